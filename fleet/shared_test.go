package fleet

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// front serves srv under a path prefix per member ("/m07/apis"), so that
// many members reach one fixture server at URLs of their own, and counts
// the requests in flight.
type front struct {
	*httptest.Server
	inFlight, peak atomic.Int32
	// lists and peakLists count the lists (not watches) of objects in flight.
	lists, peakLists atomic.Int32
	mu               sync.Mutex // guards paths
	paths            map[string]int
}

func newFront(t testing.TB, srv *fixture.Server) *front {
	t.Helper()
	f := &front{paths: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.paths[r.URL.Path]++
		f.mu.Unlock()
		n := f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		raise(&f.peak, n)
		if strings.HasSuffix(r.URL.Path, "/namespaces") && r.URL.Query().Get("watch") == "" {
			raise(&f.peakLists, f.lists.Add(1))
			defer f.lists.Add(-1)
		}
		r2 := r.Clone(r.Context())
		if i := indexByteFrom(r.URL.Path, '/', 1); i > 0 {
			r2.URL.Path = r.URL.Path[i:]
		}
		srv.ServeHTTP(w, r2)
	}))
	t.Cleanup(f.Close)
	return f
}

// raise makes peak at least n.
func raise(peak *atomic.Int32, n int32) {
	for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
	}
}

func indexByteFrom(s string, c byte, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// count is how many requests came for path.
func (f *front) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paths[path]
}

func (f *front) member(i int) *rest.Config {
	return quiet(&rest.Config{Host: fmt.Sprintf("%s/m%02d", f.URL, i)})
}

var widget = schema.GroupKind{Group: "group002.example.com", Kind: "Widget001"}

// TestSharedDiscovery: members whose documents are equal share them and
// their indexes; each member fetches and revalidates on its own; a member
// whose documents change moves to its own copy; removed members leave
// nothing behind.
func TestSharedDiscovery(t *testing.T) {
	same := serve(t, fixture.Synthetic(4, 2))
	changing := serve(t, fixture.Synthetic(4, 2))
	fr := newFront(t, same)
	before := goleak.IgnoreCurrent()
	const ttl = 300 * time.Millisecond
	f := New(Options{Discovery: discovery.Options{TTL: ttl}})
	const n = 20
	for i := range n {
		require.NoError(t, f.Add(fmt.Sprintf("m%02d", i), fr.member(i)))
	}
	require.NoError(t, f.Add("changing", quiet(changing.Config())))
	ctx := context.Background()
	for name, err := range f.Each(ctx, func(ctx context.Context, m *Member) error {
		_, err := m.Mapper().RESTMappingWithContext(ctx, widget)
		return err
	}) {
		require.NoError(t, err, name)
	}
	assert.Equal(t, 2*n, same.Stats().Requests, "2 requests per member")
	for i := range n {
		assert.Equal(t, 1, fr.count(fmt.Sprintf("/m%02d/api", i)), "member %d", i)
		assert.Equal(t, 1, fr.count(fmt.Sprintf("/m%02d/apis", i)), "member %d", i)
	}
	ds, ms := f.Stores()
	assert.Equal(t, discovery.StoreStats{Documents: 2, Views: 1}, ds.Stats(), "one API set")
	assert.Equal(t, 1, ms.Stats().GroupIndexes, "one index of the group mapped")

	// Each member revalidates on its own once its TTL (spread by up to a
	// tenth) is past: 2 conditional requests, answered 304.
	time.Sleep(ttl + ttl/10 + 50*time.Millisecond)
	same.ResetStats()
	for _, name := range f.Names() {
		m, _ := f.Cluster(name)
		_, err := m.Discovery().Groups(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 2*n, same.Stats().Requests)
	assert.Equal(t, 2*n, same.Stats().NotModified)

	require.NoError(t, changing.Cluster().InstallCRD(&unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "gadgets.late.example.com"},
		"spec": map[string]any{"group": "late.example.com", "scope": "Namespaced",
			"names":    map[string]any{"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true}}},
	}}))
	m, _ := f.Cluster("changing")
	mapping, err := m.Mapper().RESTMappingWithContext(ctx, schema.GroupKind{Group: "late.example.com", Kind: "Gadget"})
	require.NoError(t, err, "the miss refreshed its discovery")
	assert.Equal(t, "gadgets", mapping.Resource.Resource)
	assert.Equal(t, 2, ds.Stats().Views, "the changed member has a view of its own")
	m0, _ := f.Cluster("m00")
	_, err = m0.Mapper().RESTMappingWithContext(ctx, schema.GroupKind{Group: "late.example.com", Kind: "Gadget"})
	assert.Error(t, err, "the others still serve the old set")

	for _, name := range f.Names() {
		f.Remove(name)
	}
	m, m0 = nil, nil
	require.Eventually(t, func() bool {
		runtime.GC()
		return ds.Stats() == discovery.StoreStats{} && ms.Stats() == restmapper.StoreStats{}
	}, 10*time.Second, 10*time.Millisecond, "left: %+v %+v", ds.Stats(), ms.Stats())
	goleak.VerifyNone(t, before)
}

// TestLimits: the fleet's discovery requests and lists take turns, no more
// than the limits at once; a turn waited for ends with its context.
func TestLimits(t *testing.T) {
	fr := newFront(t, serve(t, fixture.Synthetic(2, 1), fixture.WithLatency(20*time.Millisecond)))
	f := New(Options{Limits: Limits{DiscoveryRequests: 2, Lists: 1}})
	for i := range 12 {
		require.NoError(t, f.Add(fmt.Sprintf("m%02d", i), fr.member(i)))
	}
	for name, err := range f.Each(context.Background(), func(ctx context.Context, m *Member) error {
		_, err := m.Discovery().ServerVersion(ctx)
		if err != nil {
			return err
		}
		_, err = m.Discovery().Groups(ctx)
		return err
	}) {
		require.NoError(t, err, name)
	}
	assert.LessOrEqual(t, fr.peak.Load(), int32(2), "at most 2 discovery requests at once")
	assert.Equal(t, int32(2), fr.peak.Load(), "and as many as that")

	gate := f.ListGate()
	release, err := gate(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = gate(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the one turn is taken")
	release()
	release, err = gate(context.Background())
	require.NoError(t, err)
	release()

	slow := New(Options{Limits: Limits{Jitter: time.Hour}})
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = slow.ListGate()(ctx)
	assert.ErrorIs(t, err, context.Canceled, "a jittered wait ends with its context")
}

// TestMemberCache: each member's informer cache lists in turns with the
// whole fleet's, and is stopped with its member.
func TestMemberCache(t *testing.T) {
	fr := newFront(t, serve(t, fixture.Synthetic(1, 1), fixture.WithLatency(20*time.Millisecond)))
	before := goleak.IgnoreCurrent()
	f := New(Options{Limits: Limits{Lists: 1}, Cache: cache.Options{DisableWatchList: true}})
	for i := range 4 {
		require.NoError(t, f.Add(fmt.Sprintf("m%02d", i), fr.member(i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	for name, err := range f.Each(ctx, func(ctx context.Context, m *Member) error {
		_, err := m.Mapper().RESTMappingWithContext(ctx, ns.GroupKind(), ns.Version)
		return err
	}) {
		require.NoError(t, err, name) // discovery done, so that the informers start together
	}
	var informers []*cache.Informer
	for _, name := range f.Names() {
		m, _ := f.Cluster(name)
		inf, err := m.Cache().Informer(ctx, ns, cache.InformerOptions{})
		require.NoError(t, err)
		informers = append(informers, inf)
	}
	for _, inf := range informers {
		require.NoError(t, inf.WaitForSync(ctx))
	}
	assert.Equal(t, int32(1), fr.peakLists.Load(), "one list at a time")

	for _, name := range f.Names() {
		f.Remove(name)
	}
	for _, inf := range informers {
		assert.Equal(t, cache.Stopped, inf.State())
	}
	goleak.VerifyNone(t, before)
}
