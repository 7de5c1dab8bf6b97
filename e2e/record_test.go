package e2e

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/e2e/internal/record"
)

var update = flag.Bool("update", false, "rewrite "+recordingDir+" from the test server")

// recordingDir is the recorded cluster this suite owns in the main module.
const recordingDir = "../testdata/clusters/k8s-1.37"

// baseline is the server's discovery as TestMain fetched it with plain
// net/http, right after the base CRDs were installed and before any test
// could change it.
var baseline *record.Recording

// kdynRecording is the directory `kdyn record` wrote at the same moment.
var kdynRecording string

// kdynBin is the kdyn CLI that TestMain built.
var kdynBin string

// kdynRecord builds the kdyn CLI from the main module and records srv with it.
func kdynRecord(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp(srv.Dir(), "kdyn-record-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "kdyn")
	kdynBin = bin
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kdyn")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build kdyn: %w\n%s", err, out)
	}
	out := filepath.Join(dir, filepath.Base(recordingDir))
	rec := exec.CommandContext(ctx, bin, "record", "--kubeconfig", srv.TokenKubeconfig, "--out", out)
	if log, err := rec.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kdyn record: %w\n%s", err, log)
	}
	return out, nil
}

// TestKdynRecord checks `kdyn record` against an independent fetch: every
// document it wrote is byte for byte what the server sent, with the same
// Content-Type and ETag, and no discovery document is missing.
func TestKdynRecord(t *testing.T) {
	got, meta, err := record.Read(kdynRecording)
	require.NoError(t, err)
	assert.Equal(t, "v1.37.2", meta.ServerVersion)
	assert.Equal(t, "k8s-1.37", meta.Name)
	for name, want := range baseline.Docs {
		if groupDoc.MatchString(name) {
			continue // GET /apis/<group>: kdyn record does not record it
		}
		g, ok := got.Docs[name]
		if !assert.True(t, ok, "%s missing", name) {
			continue
		}
		assert.Equal(t, want.ContentType, g.ContentType, name)
		assert.Equal(t, want.ETag, g.ETag, name)
		assert.Equal(t, string(withoutServerPort(want.Body)), string(withoutServerPort(g.Body)), name)
	}
	for name := range got.Docs {
		_, ok := baseline.Docs[name]
		assert.True(t, ok || name == "openapi/v2.json", "unexpected document %s", name)
	}
	assert.Contains(t, got.Docs, "openapi/v2.json")
}

// groupDoc matches apis/<group>.json.
var groupDoc = regexp.MustCompile(`^apis/[^/]+\.json$`)

// TestRecordedCluster checks that the committed recording, made with
// `kdyn record`, is what this server serves, byte for byte; -update rewrites it.
func TestRecordedCluster(t *testing.T) {
	if *update {
		require.NoError(t, os.RemoveAll(recordingDir))
		require.NoError(t, os.CopyFS(recordingDir, os.DirFS(kdynRecording)))
	}
	want, meta, err := record.Read(recordingDir)
	require.NoError(t, err)
	assert.Equal(t, "v1.37.2", meta.ServerVersion)
	assert.Equal(t, "k8s-1.37", meta.Name)
	got, _, err := record.Read(kdynRecording)
	require.NoError(t, err)
	require.Equal(t, slices.Sorted(maps.Keys(want.Docs)), slices.Sorted(maps.Keys(got.Docs)))
	for name, w := range want.Docs {
		g := got.Docs[name]
		assert.Equal(t, w.ContentType, g.ContentType, name)
		assert.Equal(t, w.ETag, g.ETag, name)
		assert.Equal(t, string(withoutServerPort(w.Body)), string(withoutServerPort(g.Body)), name)
	}
	assert.Contains(t, want.Docs, "apis/stable.kdyn.dev/v1beta1.json")
	assert.NotEmpty(t, want.Docs["aggregated/apis.json"].ETag, "aggregated discovery carries an ETag")
}

var serverAddress = regexp.MustCompile(`"serverAddress":"127\.0\.0\.1:[0-9]+"`)

// withoutServerPort blanks the one thing that differs between runs: the
// port in legacy discovery's serverAddressByClientCIDRs.
func withoutServerPort(b []byte) []byte {
	return serverAddress.ReplaceAll(b, []byte(`"serverAddress":"127.0.0.1:PORT"`))
}

// adminGetter reaches srv as AdminUser, for record.Fetch.
func adminGetter(client *http.Client) record.Getter {
	return func(ctx context.Context, path, accept string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
		return client.Do(req)
	}
}
