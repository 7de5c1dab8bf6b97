package e2e

import (
	"context"
	"flag"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/e2e/internal/record"
)

var update = flag.Bool("update", false, "rewrite "+recordingDir+" from the test server")

// recordingDir is the recorded cluster this suite owns in the main module.
const recordingDir = "../testdata/clusters/k8s-1.37"

// baseline is the server's discovery as TestMain recorded it, right after the
// base CRDs were installed and before any test could change it.
var baseline *record.Recording

// TestRecordedCluster checks that the committed recording is what this
// server serves, byte for byte; -update rewrites it.
func TestRecordedCluster(t *testing.T) {
	if *update {
		require.NoError(t, record.Write(recordingDir, baseline,
			record.Source{Repository: "kdyn/kdyn", Path: "e2e (kube-apiserver v1.37.2 built from Go modules, CRDs from e2e/testdata/crds)"},
			time.Now()))
	}
	want, meta, err := record.Read(recordingDir)
	require.NoError(t, err)
	assert.Equal(t, "v1.37.2", meta.ServerVersion)
	assert.Equal(t, "k8s-1.37", meta.Name)
	require.Equal(t, slices.Sorted(maps.Keys(want.Docs)), slices.Sorted(maps.Keys(baseline.Docs)))
	for name, w := range want.Docs {
		g := baseline.Docs[name]
		assert.Equal(t, w.ContentType, g.ContentType, name)
		assert.Equal(t, w.ETag, g.ETag, name)
		assert.Equal(t, string(withoutServerPort(w.Body)), string(withoutServerPort(g.Body)), name)
	}
	assert.Contains(t, baseline.Docs, "apis/stable.kdyn.dev/v1beta1.json")
	assert.NotEmpty(t, baseline.Docs["aggregated/apis.json"].ETag, "aggregated discovery carries an ETag")
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
