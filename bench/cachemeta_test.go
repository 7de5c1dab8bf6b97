package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	krt "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	clientrest "k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// metaCacheClients are the caches of the metadata-only workload: kdyn's
// MetadataInformer (*metav1.PartialObjectMetadata), kdyn's Informer with
// MetadataOnly (*unstructured.Unstructured holding apiVersion, kind and
// metadata), kdyn's Informer of whole objects over the same custom
// resources (the base of the 0.1× target, as BenchmarkCacheSync/kdyn),
// and client-go's metadatainformer. Each with its defaults: kdyn drops
// managedFields, client-go keeps them.
var metaCacheClients = []string{"kdyn", "kdyn-unstructured", "kdyn-whole", "client-go"}

// metaUnderTest is one running cache of the workload, with a handler
// that counts its adds.
type metaUnderTest struct {
	synced func() bool
	get    func(ns, name string) (metav1.Object, bool)
	adds   *atomic.Int64
	stop   func()
}

// startMetaCache starts the named cache over srv, not waiting for its
// sync.
func startMetaCache(tb testing.TB, name string, srv *widgetServer) *metaUnderTest {
	tb.Helper()
	adds := &atomic.Int64{}
	switch name {
	case "kdyn", "kdyn-unstructured":
		rc, err := rest.NewClient(&rest.Config{Host: srv.URL})
		require.NoError(tb, err)
		c := cache.New(dynamic.New(rc), widgetMapper(), cache.Options{})
		stop := func() { c.Stop(); rc.CloseIdleConnections() }
		if name == "kdyn-unstructured" {
			inf, err := c.Informer(context.Background(), widgetGVK, cache.InformerOptions{MetadataOnly: true})
			require.NoError(tb, err)
			inf.AddHandler(cache.Handler{OnAdd: func(*unstructured.Unstructured, bool) { adds.Add(1) }})
			return &metaUnderTest{synced: inf.HasSynced, adds: adds, stop: stop,
				get: func(ns, name string) (metav1.Object, bool) { return inf.Get(ns, name) }}
		}
		inf, err := c.MetadataInformer(context.Background(), widgetGVK, cache.InformerOptions{})
		require.NoError(tb, err)
		inf.AddHandler(cache.MetadataHandler{OnAdd: func(*metav1.PartialObjectMetadata, bool) { adds.Add(1) }})
		return &metaUnderTest{synced: inf.HasSynced, adds: adds, stop: stop,
			get: func(ns, name string) (metav1.Object, bool) { return inf.Get(ns, name) }}
	case "kdyn-whole":
		c := startCache(tb, "kdyn", srv)
		adds = &c.seen.adds
		return &metaUnderTest{synced: c.synced, adds: adds, stop: c.stop,
			get: func(ns, name string) (metav1.Object, bool) { return c.get(ns, name) }}
	case "client-go":
		mc, err := metadata.NewForConfig(&clientrest.Config{Host: srv.URL})
		require.NoError(tb, err)
		f := metadatainformer.NewSharedInformerFactory(mc, 0)
		gi := f.ForResource(widgetGVR)
		_, err = gi.Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: func(any) { adds.Add(1) }})
		require.NoError(tb, err)
		stop := make(chan struct{})
		f.Start(stop)
		return &metaUnderTest{synced: gi.Informer().HasSynced, adds: adds, stop: func() { close(stop); f.Shutdown() },
			get: func(ns, name string) (metav1.Object, bool) {
				obj, err := gi.Lister().ByNamespace(ns).Get(name)
				if err != nil {
					return nil, false
				}
				m, ok := obj.(metav1.Object)
				return m, ok
			}}
	}
	tb.Fatalf("unknown cache %q", name)
	return nil
}

// BenchmarkCacheMetaSync is the time from starting a metadata-only cache
// of 10,000 custom resources (~2 KB each, with managedFields) to its sync
// (ns/op; cpu-ns/op is the process's CPU time meanwhile), the heap the
// synced cache retains after a full GC (retained-B, B/object), with its
// handler's adds delivered, and the allocations of the whole process
// meanwhile (allocs/op, B/op: the server's are a few per request, the same
// for every client). The server answers metadata requests as
// kube-apiserver does: PartialObjectMetadata in protobuf, by WatchList;
// kdyn-whole reads the whole objects in JSON, as BenchmarkCacheSync/kdyn.
func BenchmarkCacheMetaSync(b *testing.B) {
	n := cacheObjects()
	srv := newWidgetServer(b, n).withMetadata(b)
	for _, name := range metaCacheClients {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			benchSync(b, n, srv.watches, func() started {
				c := startMetaCache(b, name, srv)
				return started{synced: c.synced, adds: c.adds, stop: c.stop}
			})
		})
	}
}

// TestCacheMetaSameObjects checks that the caches compared hold the same
// metadata: kdyn's MetadataInformer what client-go's metadatainformer
// holds less managedFields, with the kind set; kdyn's unstructured form
// the metadata of kdyn's whole objects.
func TestCacheMetaSameObjects(t *testing.T) {
	srv := newWidgetServer(t, 30).withMetadata(t)
	caches := map[string]*metaUnderTest{}
	for _, name := range metaCacheClients {
		served := srv.metaServed.Load()
		c := startMetaCache(t, name, srv)
		t.Cleanup(c.stop)
		waitSynced(t, c.synced)
		caches[name] = c
		metaClient := name == "kdyn" || name == "kdyn-unstructured" || name == "client-go"
		assert.Equal(t, metaClient, srv.metaServed.Load() > served, "%s read PartialObjectMetadata in protobuf", name)
	}
	for i := range 30 {
		ns, name := fmt.Sprintf("team-%d", i%10), fmt.Sprintf("widget-%05d", i)
		peer, ok := caches["client-go"].get(ns, name)
		require.True(t, ok, "client-go has no %s/%s", ns, name)
		got, ok := caches["kdyn"].get(ns, name)
		require.True(t, ok, "kdyn has no %s/%s", ns, name)
		want := peer.(*metav1.PartialObjectMetadata).ObjectMeta.DeepCopy()
		require.NotEmpty(t, want.ManagedFields, "client-go keeps managedFields")
		want.ManagedFields = nil
		p := got.(*metav1.PartialObjectMetadata)
		assert.True(t, apiequality.Semantic.DeepEqual(*want, p.ObjectMeta), "%s/%s", ns, name)
		assert.Equal(t, metav1.TypeMeta{APIVersion: widgetGVK.GroupVersion().String(), Kind: widgetGVK.Kind}, p.TypeMeta)

		whole, _ := caches["kdyn-whole"].get(ns, name)
		asObject, ok := caches["kdyn-unstructured"].get(ns, name)
		require.True(t, ok)
		u := asObject.(*unstructured.Unstructured)
		assert.Equal(t, whole.(*unstructured.Unstructured).Object["metadata"], u.Object["metadata"], "%s/%s", ns, name)
		var om metav1.ObjectMeta
		require.NoError(t, krt.DefaultUnstructuredConverter.FromUnstructured(u.Object["metadata"].(map[string]any), &om))
		assert.True(t, apiequality.Semantic.DeepEqual(*want, om), "%s/%s", ns, name)
	}
}
