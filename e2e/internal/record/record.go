// Package record fetches a server's discovery documents byte for byte under
// the names of the recorded-cluster layout of DESIGN.md, independently of
// kdyn, and reads recordings in that layout: the e2e tests check
// `kdyn record` against it.
package record

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
)

// AcceptAggregated asks for aggregated discovery v2 (and nothing else).
const AcceptAggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

// Doc is one document as the server sent it.
type Doc struct {
	Body        []byte
	ContentType string
	ETag        string // quotes included; "" when the server sent none
}

// Recording is a cluster's discovery documents by layout name ("apis/apps/v1.json").
type Recording struct {
	ServerVersion string
	Docs          map[string]Doc
}

// Getter performs one GET against the server: path is absolute ("/apis"),
// accept the Accept header. It is how Fetch reaches the server, so that
// callers choose transport and authentication.
type Getter func(ctx context.Context, path, accept string) (*http.Response, error)

// Fetch records version, legacy discovery (/api, /apis, every /apis/<group>
// and group-version) and both aggregated documents: 5 + groups + group-versions
// requests.
func Fetch(ctx context.Context, get Getter) (*Recording, error) {
	r := &Recording{Docs: map[string]Doc{}}
	fetch := func(name, path, accept string) (Doc, error) {
		d, err := fetchDoc(ctx, get, path, accept)
		if err != nil {
			return Doc{}, err
		}
		r.Docs[name] = d
		return d, nil
	}

	v, err := fetch("version.json", "/version", "application/json")
	if err != nil {
		return nil, err
	}
	var info version.Info
	if err := json.Unmarshal(v.Body, &info); err != nil {
		return nil, fmt.Errorf("record: /version: %w", err)
	}
	r.ServerVersion = info.GitVersion

	if _, err := fetch("aggregated/api.json", "/api", AcceptAggregated); err != nil {
		return nil, err
	}
	if _, err := fetch("aggregated/apis.json", "/apis", AcceptAggregated); err != nil {
		return nil, err
	}

	api, err := fetch("api.json", "/api", "application/json")
	if err != nil {
		return nil, err
	}
	var core metav1.APIVersions
	if err := json.Unmarshal(api.Body, &core); err != nil {
		return nil, fmt.Errorf("record: /api: %w", err)
	}
	for _, v := range core.Versions {
		if _, err := fetch("api/"+v+".json", "/api/"+v, "application/json"); err != nil {
			return nil, err
		}
	}

	apis, err := fetch("apis.json", "/apis", "application/json")
	if err != nil {
		return nil, err
	}
	var groups metav1.APIGroupList
	if err := json.Unmarshal(apis.Body, &groups); err != nil {
		return nil, fmt.Errorf("record: /apis: %w", err)
	}
	for _, g := range groups.Groups {
		if _, err := fetch("apis/"+g.Name+".json", "/apis/"+g.Name, "application/json"); err != nil {
			return nil, err
		}
		for _, v := range g.Versions {
			if _, err := fetch("apis/"+v.GroupVersion+".json", "/apis/"+v.GroupVersion, "application/json"); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func fetchDoc(ctx context.Context, get Getter, path, accept string) (Doc, error) {
	resp, err := get(ctx, path, accept)
	if err != nil {
		return Doc{}, fmt.Errorf("record: get %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Doc{}, fmt.Errorf("record: get %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Doc{}, fmt.Errorf("record: get %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return Doc{Body: body, ContentType: resp.Header.Get("Content-Type"), ETag: resp.Header.Get("ETag")}, nil
}
