package discovery

import (
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Legacy (unaggregated) discovery: /api answers APIVersions, /apis answers
// APIGroupList, and every group-version's resources need one more request.

// parseRoot decodes the answer to GET path ("/api" or "/apis") in whichever
// format its Content-Type names.
func parseRoot(path, contentType string, body []byte) (*rootDoc, error) {
	if f := formatOf(contentType); f != formatLegacy {
		return parseAggregated(body, f)
	}
	if path == "/api" {
		return parseAPIVersions(body)
	}
	return parseAPIGroupList(body)
}

// parseAPIVersions decodes the legacy /api document into the core group ""
// with the listed versions, the first preferred. A server without a core
// group (an aggregated API server, say) yields no group at all.
func parseAPIVersions(body []byte) (*rootDoc, error) {
	var in metav1.APIVersions
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("decode APIVersions: %w", err)
	}
	doc := &rootDoc{}
	if len(in.Versions) == 0 {
		return doc, nil
	}
	core := metav1.APIGroup{Name: "", Versions: make([]metav1.GroupVersionForDiscovery, 0, len(in.Versions))}
	for _, v := range in.Versions {
		gv := schema.GroupVersion{Version: v}
		if err := validateGroupVersion(gv); err != nil {
			return nil, err
		}
		core.Versions = append(core.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
	}
	core.PreferredVersion = core.Versions[0]
	doc.groups = []metav1.APIGroup{core}
	return doc, nil
}

// parseAPIGroupList decodes the legacy /apis document.
func parseAPIGroupList(body []byte) (*rootDoc, error) {
	var in metav1.APIGroupList
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("decode APIGroupList: %w", err)
	}
	for _, g := range in.Groups {
		if g.Name == "" {
			return nil, fmt.Errorf("group without a name in APIGroupList")
		}
		for _, v := range g.Versions {
			if err := validateGroupVersion(schema.GroupVersion{Group: g.Name, Version: v.Version}); err != nil {
				return nil, err
			}
		}
	}
	return &rootDoc{groups: in.Groups}, nil
}

// parseResourceList decodes GET /api/v1 or /apis/<group>/<version>.
func parseResourceList(body []byte, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	var list metav1.APIResourceList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decode APIResourceList: %w", err)
	}
	switch list.GroupVersion {
	case "":
		list.GroupVersion = gv.String()
	case gv.String():
	default:
		return nil, fmt.Errorf("APIResourceList for %q where %q was asked", list.GroupVersion, gv)
	}
	return &list, nil
}

// validateGroupVersion rejects names no API server can serve. Besides guarding
// URLs, it matters because group-versions name directories of the disk cache.
func validateGroupVersion(gv schema.GroupVersion) error {
	if gv.Group != "" {
		if errs := validation.IsDNS1123Subdomain(gv.Group); len(errs) > 0 {
			return fmt.Errorf("invalid group %q: %s", gv.Group, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1035Label(gv.Version); len(errs) > 0 {
		return fmt.Errorf("invalid version %q of group %q: %s", gv.Version, gv.Group, strings.Join(errs, "; "))
	}
	return nil
}

// gvPath is the URL path of a group-version's legacy document.
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}
