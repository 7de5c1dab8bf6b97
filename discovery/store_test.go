package discovery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// TestStoreShares: clients of two servers that serve the same documents
// share the parsed documents and the view of them, and each revalidates on
// its own; a client whose server's documents change moves to a view of its
// own, which a third client with the same documents shares.
func TestStoreShares(t *testing.T) {
	store := NewStore()
	a, srvA := newTestServer(t, fixture.Synthetic(3, 2), Options{Store: store})
	b, srvB := newTestServer(t, fixture.Synthetic(3, 2), Options{Store: store})
	alone, _ := newTestServer(t, fixture.Synthetic(3, 2), Options{})
	ctx := context.Background()

	ga, err := a.Groups(ctx)
	require.NoError(t, err)
	gb, err := b.Groups(ctx)
	require.NoError(t, err)
	assert.Same(t, ga, gb, "one view for both")
	gAlone, err := alone.Groups(ctx)
	require.NoError(t, err)
	assert.NotSame(t, ga, gAlone, "a client without the Store keeps its own")
	assert.Equal(t, ga, gAlone, "and the same answer")
	gv := schema.GroupVersion{Group: "group001.example.com", Version: "v1"}
	la, err := a.Resources(ctx, gv)
	require.NoError(t, err)
	lb, err := b.Resources(ctx, gv)
	require.NoError(t, err)
	assert.Same(t, la, lb)
	assert.Equal(t, StoreStats{Documents: 2, Views: 1}, store.Stats())

	for _, c := range []*Client{a, b} {
		expire(c)
		_, err := c.Groups(ctx)
		require.NoError(t, err)
	}
	for _, srv := range []*fixture.Server{srvA, srvB} {
		st := srv.Stats()
		assert.Equal(t, 4, st.Requests, "each client fetched and revalidated its own roots")
		assert.Equal(t, 2, st.NotModified)
	}

	require.NoError(t, srvB.Cluster().InstallCRD(widgetCRD("v1")))
	b.InvalidateGroup("stable.example.com")
	gb, err = b.Groups(ctx)
	require.NoError(t, err)
	assert.NotSame(t, ga, gb)
	assert.Len(t, gb.Groups, len(ga.Groups)+1, "b sees its new group")
	ga2, err := a.Groups(ctx)
	require.NoError(t, err)
	assert.Same(t, ga, ga2, "a is untouched")

	c, srvC := newTestServer(t, fixture.Synthetic(3, 2), Options{Store: store})
	require.NoError(t, srvC.Cluster().InstallCRD(widgetCRD("v1")))
	gc, err := c.Groups(ctx)
	require.NoError(t, err)
	assert.Same(t, gb, gc, "c shares b's new view")
	// The Store keeps what live clients use: these must outlive the checks.
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

// TestStoreForgets: once the clients that used its entries are gone,
// nothing of them stays in the Store.
func TestStoreForgets(t *testing.T) {
	store := NewStore()
	srv := fixture.NewServer(fixture.Synthetic(3, 2))
	t.Cleanup(srv.Close)
	legacy := fixture.NewServer(fixture.Synthetic(3, 2), fixture.WithoutAggregated())
	t.Cleanup(legacy.Close)
	var clients []*Client
	for _, s := range []*fixture.Server{srv, srv, legacy} {
		c, err := NewForConfig(s.Config(), Options{Store: store})
		require.NoError(t, err)
		_, _, err = c.GroupsAndResources(context.Background())
		require.NoError(t, err)
		c.rc.CloseIdleConnections()
		clients = append(clients, c)
	}
	st := store.Stats()
	assert.Equal(t, 4, st.Documents, "two aggregated roots, two legacy ones")
	assert.Equal(t, 1, st.Views)
	assert.Equal(t, 8, st.ResourceLists, "the legacy server's group-versions")
	runtime.KeepAlive(clients)
	require.Eventually(t, func() bool {
		runtime.GC()
		return store.Stats() == StoreStats{}
	}, 10*time.Second, 10*time.Millisecond, "left: %+v", store.Stats())
}

// TestStoreKeysByContent: two servers that send the same ETag for
// different documents are not confused; a server's ETag is never trusted
// for another's documents.
func TestStoreKeysByContent(t *testing.T) {
	serve := func(cluster *fixture.Cluster) *httptest.Server {
		inner := fixture.NewServer(cluster)
		t.Cleanup(inner.Close)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			if w.Header().Get("ETag") != "" {
				w.Header().Set("ETag", `"same"`)
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	store := NewStore()
	small, big := serve(fixture.Synthetic(1, 1)), serve(fixture.Synthetic(2, 1))
	var groups []int
	for _, srv := range []*httptest.Server{small, big} {
		c, err := NewForConfig(&rest.Config{Host: srv.URL}, Options{Store: store})
		require.NoError(t, err)
		t.Cleanup(c.rc.CloseIdleConnections)
		g, err := c.Groups(context.Background())
		require.NoError(t, err)
		groups = append(groups, len(g.Groups))
	}
	assert.Equal(t, []int{3, 4}, groups)
	assert.Equal(t, 2, store.Stats().Views)
}

// TestGate: every request takes its turn through Options.Gate and ends it;
// a Gate that refuses fails the request with its error.
func TestGate(t *testing.T) {
	var turns, ends atomic.Int32
	gate := func(ctx context.Context) (func(), error) {
		turns.Add(1)
		return func() { ends.Add(1) }, nil
	}
	c, srv := newTestServer(t, fixture.Synthetic(2, 1), Options{Gate: gate}, fixture.WithoutAggregated())
	_, _, err := c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(srv.Stats().Requests), turns.Load())
	assert.Equal(t, turns.Load(), ends.Load())

	refuse := errors.New("no turn")
	c, srv = newTestServer(t, fixture.Synthetic(2, 1), Options{Gate: func(context.Context) (func(), error) { return nil, refuse }})
	_, err = c.Groups(context.Background())
	assert.ErrorIs(t, err, refuse)
	assert.Zero(t, srv.Stats().Requests)
}
