package discovery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// handlerTransport serves requests in-process with a handler, without a
// network, so that what a benchmark measures is the client.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// legacyConfig returns a config for fixture.Synthetic(groups, 1) served
// with legacy discovery only (2 group-versions per group, 2 + 2×groups + 2
// requests cold), in-process.
func legacyConfig(tb testing.TB, groups int) (*rest.Config, *fixture.Server) {
	tb.Helper()
	srv := fixture.NewServer(fixture.Synthetic(groups, 1), fixture.WithoutAggregated())
	tb.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Transport = handlerTransport{srv}
	return cfg, srv
}

// TestLegacyDiscoveryScalesLinearly runs a cold legacy GroupsAndResources
// on 50 and on 400 groups: the work per group-version, counted in bytes
// allocated, must stay flat. Publishing each group-version's entry on its
// own copied the whole entry map each time, so the work per group-version
// grew with their number: 2.3 times the bytes per group-version at 8 times
// the groups (1.8 under -race). The requests stay one per group-version.
func TestLegacyDiscoveryScalesLinearly(t *testing.T) {
	perGV := map[int]float64{}
	for _, groups := range []int{50, 400} {
		cfg, srv := legacyConfig(t, groups)
		c, err := NewForConfig(cfg, Options{})
		require.NoError(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, lists, err := c.GroupsAndResources(context.Background())
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		require.Len(t, lists, 2*groups+2, "every group-version's list")
		assert.Equal(t, 2+len(lists), srv.Stats().Requests, "the roots, then one request per group-version")
		perGV[groups] = float64(after.TotalAlloc-before.TotalAlloc) / float64(len(lists))
	}
	ratio := perGV[400] / perGV[50]
	t.Logf("bytes allocated per group-version: %.0f at 50 groups, %.0f at 400 (×%.2f)", perGV[50], perGV[400], ratio)
	assert.Less(t, ratio, 1.5, "the work per group-version grows with their number")
}
