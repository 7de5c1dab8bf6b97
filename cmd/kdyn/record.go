package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

func init() {
	commands["record"] = command{
		summary: "record a cluster's discovery documents and CRDs into a directory fixture.Load reads",
		run:     record,
	}
}

// acceptAggregated asks for aggregated discovery as kubectl does; a server
// without it answers with the legacy document, which the Content-Type tells.
const acceptAggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

// record runs "kdyn record --out DIR [--name NAME] [--kubeconfig FILE] [--context NAME]".
func record(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("record", "--out DIR [--name NAME] [--kubeconfig FILE] [--context NAME]", stderr)
	var cf clusterFlags
	cf.register(fs)
	out := fs.String("out", "", "directory to write the recording to; must not exist or be empty")
	name := fs.String("name", "", "the recording's name in meta.json (default: the directory's base name)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *out == "" {
		return usageError(fs, "want --out DIR and no arguments")
	}
	if err := checkEmptyDir(*out); err != nil {
		return err
	}
	cfg, err := rest.LoadKubeconfig(cf.kubeconfig, cf.context)
	if err != nil {
		return err
	}
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return err
	}
	defer rc.CloseIdleConnections()
	if *name == "" {
		*name = filepath.Base(filepath.Clean(*out))
	}
	r := &recorder{rc: rc, dir: *out, progress: stdout, meta: fixture.Meta{Name: *name, Docs: map[string]fixture.DocMeta{}}}
	return r.run(ctx)
}

// checkEmptyDir makes sure a recording does not mix with older files, which
// fixture.Load would take for documents of the new one.
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// recorder fetches discovery documents and writes them, byte for byte, in
// the recorded-cluster layout.
type recorder struct {
	rc       *rest.Client
	dir      string
	progress io.Writer
	meta     fixture.Meta
	// failed lists the documents that could not be fetched.
	failed []string
}

func (r *recorder) run(ctx context.Context) error {
	if err := r.recordVersion(ctx); err != nil {
		return err
	}
	if err := r.recordCore(ctx); err != nil {
		return err
	}
	if err := r.recordGroups(ctx); err != nil {
		return err
	}
	for _, doc := range []string{fixture.DocAggregatedAPI, fixture.DocAggregatedAPIs} {
		if err := r.recordAggregated(ctx, doc); err != nil {
			return err
		}
	}
	if err := r.recordOptional(ctx, fixture.DocOpenAPIV2, "/openapi/v2", "application/json"); err != nil {
		return err
	}
	if err := r.recordCRDs(ctx); err != nil {
		fmt.Fprintf(r.progress, "  %v\n", err)
		r.failed = append(r.failed, crdsFile)
	}
	r.meta.Recorded = time.Now().UTC().Format(time.RFC3339)
	if err := r.writeMeta(); err != nil {
		return err
	}
	fmt.Fprintf(r.progress, "recorded %d documents into %s\n", len(r.meta.Docs), r.dir)
	if len(r.failed) > 0 {
		n := len(r.failed)
		return fmt.Errorf("%d %s could not be fetched, so the recording lacks %v", n, plural(n, "document"), r.failed)
	}
	return nil
}

// recordVersion records /version, which old or restricted servers may not
// serve.
func (r *recorder) recordVersion(ctx context.Context) error {
	body, err := r.fetchOptional(ctx, fixture.DocVersion, "/version", "application/json")
	if err != nil || body == nil {
		return err
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err == nil {
		r.meta.ServerVersion = info.GitVersion
	}
	fmt.Fprintf(r.progress, "version: %s\n", r.meta.ServerVersion)
	return nil
}

// recordCore records /api and the versions it lists.
func (r *recorder) recordCore(ctx context.Context) error {
	body, err := r.fetch(ctx, fixture.DocAPI, "/api", "application/json")
	if err != nil {
		return err
	}
	var versions metav1.APIVersions
	if err := json.Unmarshal(body, &versions); err != nil {
		return fmt.Errorf("decode /api: %w", err)
	}
	for _, v := range versions.Versions {
		r.fetchGroupVersion(ctx, "api/"+v+".json", "/api/"+v)
	}
	fmt.Fprintf(r.progress, "core: %v\n", versions.Versions)
	return nil
}

// recordGroups records /apis and every version of every group it lists,
// one progress line per group.
func (r *recorder) recordGroups(ctx context.Context) error {
	body, err := r.fetch(ctx, fixture.DocAPIs, "/apis", "application/json")
	if err != nil {
		return err
	}
	var groups metav1.APIGroupList
	if err := json.Unmarshal(body, &groups); err != nil {
		return fmt.Errorf("decode /apis: %w", err)
	}
	for _, g := range groups.Groups {
		var versions []string
		for _, v := range g.Versions {
			r.fetchGroupVersion(ctx, "apis/"+g.Name+"/"+v.Version+".json", "/apis/"+g.Name+"/"+v.Version)
			versions = append(versions, v.Version)
		}
		fmt.Fprintf(r.progress, "%s: %v\n", g.Name, versions)
	}
	return nil
}

// fetchGroupVersion records one group-version's resource list. A failure
// (an aggregated API server that is down) is noted, not fatal: the rest of
// the cluster is still worth recording.
func (r *recorder) fetchGroupVersion(ctx context.Context, doc, path string) {
	if _, err := r.fetch(ctx, doc, path, "application/json"); err != nil {
		fmt.Fprintf(r.progress, "  %s: %v\n", path, err)
		r.failed = append(r.failed, doc)
	}
}

// recordAggregated records GET /api or /apis in the aggregated format,
// when the server answers in it.
func (r *recorder) recordAggregated(ctx context.Context, doc string) error {
	path := "/api"
	if doc == fixture.DocAggregatedAPIs {
		path = "/apis"
	}
	res := r.rc.Get().AbsPath(path).SetHeader("Accept", acceptAggregated).Do(ctx)
	body, err := res.Raw()
	if err != nil {
		return fmt.Errorf("get %s (aggregated): %w", path, err)
	}
	if !isAggregated(res.ContentType()) {
		fmt.Fprintf(r.progress, "%s: the server has no aggregated discovery (it answered %s)\n", path, res.ContentType())
		return nil
	}
	fmt.Fprintf(r.progress, "%s: aggregated (%s)\n", path, res.ContentType())
	return r.write(doc, body, res)
}

// isAggregated reports whether a Content-Type is aggregated discovery's.
func isAggregated(contentType string) bool {
	_, params, err := mime.ParseMediaType(contentType)
	return err == nil && params["g"] == "apidiscovery.k8s.io" && params["as"] == "APIGroupDiscoveryList"
}

// recordOptional records a document the server may not have.
func (r *recorder) recordOptional(ctx context.Context, doc, path, accept string) error {
	body, err := r.fetchOptional(ctx, doc, path, accept)
	if err == nil && body != nil {
		fmt.Fprintf(r.progress, "%s: %d bytes\n", path, len(body))
	}
	return err
}

// fetchOptional is fetch with NotFound and Forbidden answered by nil, nil.
func (r *recorder) fetchOptional(ctx context.Context, doc, path, accept string) ([]byte, error) {
	body, err := r.fetch(ctx, doc, path, accept)
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		fmt.Fprintf(r.progress, "%s: not served, skipped\n", path)
		return nil, nil
	}
	return body, err
}

// fetch GETs path and writes the body as doc.
func (r *recorder) fetch(ctx context.Context, doc, path, accept string) ([]byte, error) {
	res := r.rc.Get().AbsPath(path).SetHeader("Accept", accept).Do(ctx)
	body, err := res.Raw()
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", path, err)
	}
	return body, r.write(doc, body, res)
}

// write stores body as doc and notes how it was sent.
func (r *recorder) write(doc string, body []byte, res rest.Result) error {
	file := filepath.Join(r.dir, filepath.FromSlash(doc))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(file, body, 0o644); err != nil {
		return err
	}
	r.meta.Docs[doc] = fixture.DocMeta{ContentType: res.ContentType(), ETag: res.Header().Get("ETag")}
	return nil
}

// writeMeta writes meta.json (encoding/json sorts the documents by name).
func (r *recorder) writeMeta() error {
	b, err := json.MarshalIndent(r.meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.dir, "meta.json"), append(b, '\n'), 0o644)
}
