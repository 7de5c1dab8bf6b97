package restmapper

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
)

// sharedMappers returns n mappers, each over its own discovery client and
// fixture server serving cluster(), all sharing one discovery.Store and
// one Store when shared is set.
func sharedMappers(t *testing.T, n int, cluster func() *fixture.Cluster, shared bool, opts ...fixture.Option) ([]*Mapper, *Store, *discovery.Store) {
	t.Helper()
	var ds *discovery.Store
	var ms *Store
	if shared {
		ds, ms = discovery.NewStore(), NewStore()
	}
	out := make([]*Mapper, n)
	for i := range out {
		srv := fixture.NewServer(cluster(), opts...)
		t.Cleanup(srv.Close)
		dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{Store: ds})
		require.NoError(t, err)
		out[i] = New(dc, Options{Store: ms})
	}
	return out, ms, ds
}

// TestStoreShares: mappers over equal documents share their snapshots,
// whether they loaded one group or all of them, and answer as a mapper of
// their own does.
func TestStoreShares(t *testing.T) {
	ctx := context.Background()
	synthetic := func() *fixture.Cluster { return fixture.Synthetic(6, 3) }
	ms, store, _ := sharedMappers(t, 3, synthetic, true)
	alone, _, _ := sharedMappers(t, 1, synthetic, false)
	widget := schema.GroupKind{Group: "group003.example.com", Kind: "Widget001"}

	for _, m := range append(ms, alone[0]) {
		_, err := m.RESTMappingWithContext(ctx, widget)
		require.NoError(t, err)
	}
	assert.Same(t, ms[0].snap.Load(), ms[1].snap.Load(), "one group loaded: one snapshot")
	assert.Same(t, ms[0].snap.Load(), ms[2].snap.Load())
	assert.NotSame(t, ms[0].snap.Load(), alone[0].snap.Load())
	assert.Equal(t, StoreStats{GroupLists: 1, GroupIndexes: 1, Snapshots: 2}, store.Stats(),
		"the list alone, then with the group: each mapper published both")

	want, err := alone[0].ResourcesForWithContext(ctx, schema.GroupVersionResource{Resource: "widget002s"})
	require.NoError(t, err)
	for _, m := range ms {
		got, err := m.ResourcesForWithContext(ctx, schema.GroupVersionResource{Resource: "widget002s"})
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	assert.Same(t, ms[0].snap.Load(), ms[2].snap.Load(), "every group loaded: one snapshot")
	assert.True(t, ms[0].snap.Load().complete)
	for _, arg := range []string{"widgets", "w001g004", "widget001s.v1beta1.group002.example.com", "all"} {
		want, err := alone[0].Expand(ctx, arg)
		require.NoError(t, err)
		for _, m := range ms {
			got, err := m.Expand(ctx, arg)
			require.NoError(t, err)
			assert.Equal(t, want, got, arg)
		}
	}
	mapping, err := ms[1].RESTMappingWithContext(ctx, widget)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = ms[1].RESTMappingWithContext(ctx, widget) })
	assert.Zero(t, allocs, "a warm lookup allocates nothing")
	wantMapping, err := alone[0].RESTMappingWithContext(ctx, widget)
	require.NoError(t, err)
	assert.Equal(t, wantMapping, mapping)
	runtime.KeepAlive(ms)
}

// TestStoreDoesNotShareFailures: a group whose discovery failed (v1 Stale,
// so served in v1beta1 alone) is indexed by its mapper alone; the others
// are unaffected.
func TestStoreDoesNotShareFailures(t *testing.T) {
	ctx := context.Background()
	ds, store := discovery.NewStore(), NewStore()
	mapper := func(opts ...fixture.Option) *Mapper {
		srv := fixture.NewServer(fixture.Synthetic(3, 2), opts...)
		t.Cleanup(srv.Close)
		dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{Store: ds})
		require.NoError(t, err)
		return New(dc, Options{Store: store})
	}
	healthy, stale := mapper(), mapper(fixture.WithStale("group001.example.com", "v1"))
	gk := schema.GroupKind{Group: "group001.example.com", Kind: "Widget000"}
	_, err := healthy.RESTMappingWithContext(ctx, gk)
	require.NoError(t, err)
	mapping, err := stale.RESTMappingWithContext(ctx, gk)
	require.NoError(t, err)
	assert.Equal(t, "v1beta1", mapping.Resource.Version, "no last good data for v1")
	assert.NotSame(t, healthy.snap.Load().group("group001.example.com"), stale.snap.Load().group("group001.example.com"))
	mapping, err = healthy.RESTMappingWithContext(ctx, gk)
	require.NoError(t, err)
	assert.Equal(t, "v1", mapping.Resource.Version)
	runtime.KeepAlive(stale)
}

// TestStoreForgets: once the mappers are gone, nothing of them stays in
// the Store.
func TestStoreForgets(t *testing.T) {
	ms, store, ds := sharedMappers(t, 2, func() *fixture.Cluster { return fixture.Synthetic(4, 2) }, true)
	for _, m := range ms {
		_, err := m.ResourcesForWithContext(context.Background(), schema.GroupVersionResource{Resource: "widget000s"})
		require.NoError(t, err)
	}
	assert.NotZero(t, store.Stats().GroupIndexes)
	runtime.KeepAlive(ms)
	require.Eventually(t, func() bool {
		runtime.GC()
		return store.Stats() == StoreStats{} && ds.Stats() == discovery.StoreStats{}
	}, 10*time.Second, 10*time.Millisecond, "left: %+v %+v", store.Stats(), ds.Stats())
}
