package cache_test

import (
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/fixture"
)

// TestMetadataWireFormats: metadata-only informers of a custom resource
// and of a built-in kind (ConfigMaps) read PartialObjectMetadata in
// protobuf from a server that offers it, in JSON from one that offers
// only JSON, and whole objects, stripped, from one that answers every
// Accept header with the whole object in JSON (as an aggregated API
// server that does not transform responses). Each store equals a fresh
// metadata List.
func TestMetadataWireFormats(t *testing.T) {
	for name, tc := range map[string]struct {
		accept func(string) string // the Accept header the server sees, from the client's
		want   string              // the media type of every list and watch answer
	}{
		"protobuf":      {func(a string) string { return a }, "application/vnd.kubernetes.protobuf"},
		"json":          {withoutProtobuf, "application/json"},
		"whole objects": {func(string) string { return "application/json" }, "application/json"},
	} {
		t.Run(name, func(t *testing.T) {
			base := newEnv(t, fastOptions)
			base.installCRD(t)
			base.createRich(t, 30, nil, "default")
			for i := range 20 {
				base.configMap(t, fmt.Sprintf("cm%02d", i))
			}
			front, seen := recordingProxy(t, base.srv.URL, tc.accept)
			e := newEnvFor(t, base.srv, front.URL, fastOptions)
			ctx := ctxFor(t, 30*time.Second)

			widgets, err := e.cache.MetadataInformer(ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			cms, err := e.cache.MetadataInformer(ctx, configMapGVK, cache.InformerOptions{Namespace: "default"})
			require.NoError(t, err)
			asObjects, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{MetadataOnly: true})
			require.NoError(t, err)
			require.NoError(t, e.cache.WaitForSync(ctx))
			assert.True(t, widgets.Stats().WatchList)

			convergeMetadata(t, widgets, base.widgetMetadata(""), "", false, widgetMeta)
			cmMeta := metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
			convergeMetadata(t, cms, base.dyn.Metadata().Resource(configMapGVR).Namespace("default"), "", false, cmMeta)
			convergeMetadata(t, asObjects, base.dyn.Metadata().Resource(configMapGVR), "", false, cmMeta)

			// A change arrives through the watch in the same format.
			_, err = base.widgets("default").Patch(ctx, "w0001", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"db"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			convergeMetadata(t, widgets, base.widgetMetadata(""), "", false, widgetMeta)
			assert.Equal(t, map[string]bool{tc.want: true}, seen(), "the media types of the list and watch answers")
		})
	}
}

// withoutProtobuf is an Accept header without its protobuf clauses: a
// server without protobuf answers the next one.
func withoutProtobuf(accept string) string {
	var keep []string
	for c := range strings.SplitSeq(accept, ",") {
		if !strings.HasPrefix(strings.TrimSpace(c), "application/vnd.kubernetes.protobuf") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}

// recordingProxy is a proxy to target that records the media type of each
// answer to a list or watch of widgets or ConfigMaps, and rewrites the
// Accept header of those requests with accept.
func recordingProxy(t *testing.T, target string, accept func(string) string) (*httptest.Server, func() map[string]bool) {
	u, err := url.Parse(target)
	require.NoError(t, err)
	var mu sync.Mutex
	types := map[string]bool{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1
	objects := func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/widgets") || strings.HasSuffix(r.URL.Path, "/configmaps")
	}
	proxy.ModifyResponse = func(res *http.Response) error {
		if objects(res.Request) && res.StatusCode == http.StatusOK {
			mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
			if err != nil {
				t.Errorf("Content-Type %q: %v", res.Header.Get("Content-Type"), err)
			}
			mu.Lock()
			types[mt] = true
			mu.Unlock()
		}
		return nil
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if objects(r) && r.Method == http.MethodGet {
			r.Header.Set("Accept", accept(r.Header.Get("Accept")))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front, func() map[string]bool {
		mu.Lock()
		defer mu.Unlock()
		return types
	}
}

func (e *env) configMap(t testing.TB, name string) {
	t.Helper()
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"app": "shop"}, "annotations": map[string]any{"note": name}},
		"data":     map[string]any{"big": strings.Repeat("x", 1000)}}}
	_, err := e.dyn.Resource(configMapGVR).Namespace("default").Create(ctxFor(t, 10*time.Second), cm, metav1.CreateOptions{})
	require.NoError(t, err)
}

// TestMetadataRelistAfterGone is TestRelistAfterGone for metadata-only
// informers: cut off for more changes than the server keeps, the watch
// resumes into 410 Gone and the informer relists; handlers see exactly
// the 30 changes, and the store never empties or doubles meanwhile.
func TestMetadataRelistAfterGone(t *testing.T) {
	bothForms(t, testMetadataRelist[*metav1.PartialObjectMetadata], testMetadataRelist[*unstructured.Unstructured])
}

func testMetadataRelist[T cache.Object](t *testing.T, ask askFor[T]) {
	for name, opts := range map[string]cache.Options{
		"watchlist":  fastOptions,
		"paged list": {DisableWatchList: true, PageSize: 7, MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts, fixture.WithWatchHistory(20))
			e.installCRD(t)
			e.createRich(t, 60, nil, "default")
			ctx := ctxFor(t, 30*time.Second)
			inf, err := ask(e.cache, ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			rec := newRecorder()
			inf.AddHandler(handlerOf[T](rec))
			require.NoError(t, inf.WaitForSync(ctx))
			drained(t, inf)

			e.srv.DropConnections("/apis/example.com/v1/widgets", -1)
			e.srv.CloseWatches()
			r := e.widgets("default")
			for i := range 10 {
				_, err := r.Create(ctx, richWidget("default", fmt.Sprintf("new%d", i), i+1, nil), metav1.CreateOptions{})
				require.NoError(t, err)
				_, err = r.Patch(ctx, fmt.Sprintf("w%04d", i), types.MergePatchType, []byte(`{"metadata":{"annotations":{"changed":"yes"}}}`), metav1.PatchOptions{})
				require.NoError(t, err)
				require.NoError(t, r.Delete(ctx, fmt.Sprintf("w%04d", 59-i), metav1.DeleteOptions{}))
			}

			var lo, hi atomic.Int64
			lo.Store(1 << 30)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					n := int64(len(inf.List(nil)))
					lo.Store(min(lo.Load(), n))
					hi.Store(max(hi.Load(), n))
					select {
					case <-stop:
						return
					default:
					}
				}
			})
			e.srv.ClearFaults()
			want := convergeMetadata(t, inf, e.widgetMetadata("default"), "", false, widgetMeta)
			close(stop)
			wg.Wait()
			drained(t, inf)

			rec.check(t, rvs(want))
			_, adds, updates, deletes := rec.counts()
			// w0050 and w0055 have a finalizer: their delete is an update.
			assert.Equal(t, []int{70, 12, 8}, []int{adds, updates, deletes}, "60 initial adds, then the 30 changes only")
			st := inf.Stats()
			assert.Equal(t, []uint64{2, 1}, []uint64{st.Syncs, st.Relists})
			assert.GreaterOrEqual(t, lo.Load(), int64(60), "never emptied")
			assert.LessOrEqual(t, hi.Load(), int64(70), "never doubled")
		})
	}
}

// TestMetadataUnderFaults is TestUnderFaults for metadata-only informers:
// after 2,000 or more random writes (relabels among them) while connections drop,
// watches are cut every 200 ms and resumes run into 410 Gone, each store
// equals a fresh metadata List field for field, and each handler's
// notifications turned its first view into that state.
func TestMetadataUnderFaults(t *testing.T) {
	e := newEnv(t, fastOptions, fixture.WithWatchHistory(30), fixture.WithWatchesClosedEvery(200*time.Millisecond))
	e.installCRD(t)
	e.namespaces(t, "a", "b")
	e.createParallel(t, *faultObjects)
	ctx := ctxFor(t, 5*time.Minute)
	paged := newEnvFor(t, e.srv, e.srv.URL, cache.Options{DisableWatchList: true, PageSize: 100,
		MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff})

	type watched struct {
		name  string
		check func(t *testing.T) cache.Stats
		stats func() cache.Stats
	}
	var ws []watched
	typed := func(name string, c *cache.Cache, opts cache.InformerOptions) {
		inf, err := c.MetadataInformer(ctx, widgetGVK, opts)
		require.NoError(t, err)
		rec := newRecorder()
		inf.AddHandler(handlerOf[*metav1.PartialObjectMetadata](rec))
		require.NoError(t, inf.WaitForSync(ctx), name)
		ws = append(ws, watched{name, func(t *testing.T) cache.Stats {
			want := convergeMetadata(t, inf, e.widgetMetadata(opts.Namespace), opts.LabelSelector, false, widgetMeta)
			drained(t, inf)
			rec.check(t, rvs(want))
			return inf.Stats()
		}, inf.Stats})
	}
	typed("cluster-wide", e.cache, cache.InformerOptions{})
	typed("namespace a", e.cache, cache.InformerOptions{Namespace: "a"})
	typed("tier=web", e.cache, cache.InformerOptions{LabelSelector: "tier=web"})
	typed("paged lists", paged.cache, cache.InformerOptions{})
	asObjects, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{MetadataOnly: true})
	require.NoError(t, err)
	rec := newRecorder()
	asObjects.AddHandler(rec.handler())
	require.NoError(t, asObjects.WaitForSync(ctx))
	ws = append(ws, watched{"unstructured", func(t *testing.T) cache.Stats {
		want := convergeMetadata(t, asObjects, e.widgetMetadata(""), "", false, widgetMeta)
		drained(t, asObjects)
		rec.check(t, rvs(want))
		return asObjects.Stats()
	}, asObjects.Stats})

	writes := e.writeUntilFaulted(t, func(int) {}, func() (restarts, relists uint64) {
		for _, w := range ws {
			st := w.stats()
			restarts, relists = restarts+st.WatchRestarts, relists+st.Relists
		}
		return restarts, relists
	})
	t.Logf("writes: %v", writes)

	for _, w := range ws {
		t.Run(w.name, func(t *testing.T) {
			st := w.check(t)
			t.Logf("%d objects, %d events, %d syncs (%d relists), %d watch restarts", st.Objects, st.Events, st.Syncs, st.Relists, st.WatchRestarts)
		})
	}
}

// TestMetadataKindDeletedAndRecreated: deleting the CRD under a running
// metadata-only informer delivers OnDelete for its objects and leaves it
// Waiting with no goroutine but its wait; re-creating the CRD brings it
// back.
func TestMetadataKindDeletedAndRecreated(t *testing.T) {
	bothForms(t, testMetadataKindComesAndGoes[*metav1.PartialObjectMetadata], testMetadataKindComesAndGoes[*unstructured.Unstructured])
}

func testMetadataKindComesAndGoes[T cache.Object](t *testing.T, ask askFor[T]) {
	opts := fastOptions
	opts.WatchTimeout = time.Second
	opts.KindPollInterval, opts.MaxBackoff = time.Second, 2*time.Second
	e := newEnv(t, opts)
	ctx := ctxFor(t, 30*time.Second)
	before := goleak.IgnoreCurrent()

	own := newEnvFor(t, e.srv, e.srv.URL, opts)
	inf, err := ask(own.cache, ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	assert.Equal(t, cache.Waiting, inf.State(), "not installed yet")
	rec := newRecorder()
	inf.AddHandler(handlerOf[T](rec))
	e.installCRD(t)
	e.createWidgets(t, 25, "default")
	require.NoError(t, inf.WaitForSync(ctx))
	convergeMetadata(t, inf, e.widgetMetadata(""), "", false, widgetMeta)
	drained(t, inf)

	e.deleteCRD(t)
	require.Eventually(t, func() bool { return inf.State() == cache.Waiting }, 10*time.Second, 10*time.Millisecond)
	drained(t, inf)
	rec.check(t, map[string]string{})
	_, _, _, deletes := rec.counts()
	assert.Equal(t, 25, deletes)
	assert.Empty(t, inf.List(nil))
	require.NoError(t, closeIdleAndFind([]*env{e, own}, before))

	e.installCRD(t)
	e.createWidgets(t, 5, "default")
	require.NoError(t, inf.WaitForSync(ctx))
	want := convergeMetadata(t, inf, e.widgetMetadata(""), "", false, widgetMeta)
	drained(t, inf)
	rec.check(t, rvs(want))
	assert.Equal(t, uint64(2), inf.Stats().Syncs)
}
