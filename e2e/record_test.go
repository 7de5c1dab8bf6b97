package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	cgdynamic "k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/e2e/internal/record"
	"github.com/kdyn/kdyn/fixture"
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

// TestKdynRecordCRDs: kdyn record also wrote the server's CRDs, as the
// server has them, and a fixture server of the recording prints a custom
// resource's table (its printer columns) as the real server does.
func TestKdynRecordCRDs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(kdynRecording, "objects", "customresourcedefinitions.yaml"))
	require.NoError(t, err)
	var recorded []string
	for doc := range strings.SplitSeq(string(raw), "\n---\n") {
		var crd unstructured.Unstructured
		require.NoError(t, yaml.Unmarshal([]byte(doc), &crd.Object))
		recorded = append(recorded, crd.GetName())
		live, err := cgdynamic.NewForConfigOrDie(srv.ClientGoConfig()).Resource(crdGVR).Get(context.Background(), crd.GetName(), metav1.GetOptions{})
		require.NoError(t, err)
		want, err := json.Marshal(live.Object["spec"])
		require.NoError(t, err)
		got, err := json.Marshal(crd.Object["spec"])
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), crd.GetName())
		assert.Equal(t, live.GetUID(), crd.GetUID())
		assert.Empty(t, crd.GetManagedFields())
	}
	assert.Equal(t, []string{"tenants.platform.kdyn.dev", "widgets.stable.kdyn.dev"}, recorded)

	c, err := fixture.Load(kdynRecording)
	require.NoError(t, err)
	fs := fixture.NewServer(c)
	t.Cleanup(fs.Close)
	fakeKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(fakeKubeconfig, fs.Kubeconfig(), 0o600))
	ns := newNamespace(t, srv, "e2e-record")
	widget := filepath.Join(t.TempDir(), "widget.yaml")
	require.NoError(t, os.WriteFile(widget, []byte("apiVersion: stable.kdyn.dev/v1\nkind: Widget\nmetadata: {name: w}\nspec: {replicas: 2, color: teal}\n"), 0o600))
	kubectlWith(t, fakeKubeconfig, "create", "namespace", ns)
	var tables []string
	for _, kc := range []string{srv.TokenKubeconfig, fakeKubeconfig} {
		kubectlWith(t, kc, "create", "-n", ns, "-f", widget)
		tables = append(tables, kubectlWith(t, kc, "get", "widgets", "-n", ns))
	}
	assert.Equal(t, tables[0], tables[1])
	assert.Equal(t, []string{"NAME", "REPLICAS", "COLOR"}, strings.Fields(strings.SplitN(tables[0], "\n", 2)[0]))
}

// kubectlWith runs kubectl with kubeconfig, and a HOME and caches of its
// own.
func kubectlWith(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECACHEDIR="+filepath.Join(home, "cache"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kubectl %v: %s", args, stderr.String())
	return string(out)
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
