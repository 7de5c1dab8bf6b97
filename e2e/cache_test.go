package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// cacheCRD is a namespaced CRD that only the cache tests use, so that they
// may delete it.
func cacheCRD(plural, kind, group string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": plural + "." + group},
		"spec": map[string]any{
			"group": group, "scope": "Namespaced",
			"names": map[string]any{"plural": plural, "singular": strings.ToLower(kind), "kind": kind, "listKind": kind + "List"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}

func cacheObject(gvk schema.GroupVersionKind, ns, name string, i int) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": name, "namespace": ns,
			"labels": map[string]any{"app": "e2e-cache", "tier": []string{"web", "cache", "db"}[i%3]}},
		"spec": map[string]any{"size": int64(i % 7), "image": fmt.Sprintf("registry.example.com/gadgets/%s:1.%d", name, i%5)},
	}}
	u.SetGroupVersionKind(gvk)
	return u
}

// cacheFaults is the transport of the informers' client: it drops a share
// of requests before they are sent and cuts a share of watch streams after
// a moment, and can refuse watches altogether or cut the open ones.
type cacheFaults struct {
	base    http.RoundTripper
	rate    atomic.Int64 // per mille of requests dropped, and of watches cut
	block   atomic.Bool  // refuse every watch
	drops   atomic.Int64
	cuts    atomic.Int64
	watches atomic.Int64 // watch requests with sendInitialEvents=true

	mu   sync.Mutex // guards open
	open map[io.Closer]struct{}
}

func (f *cacheFaults) RoundTrip(req *http.Request) (*http.Response, error) {
	watching := req.URL.Query().Get("watch") == "true"
	if req.URL.Query().Get("sendInitialEvents") == "true" {
		f.watches.Add(1)
	}
	if watching && f.block.Load() {
		return nil, errors.New("e2e: watches refused (fault)")
	}
	if rand.Int64N(2000) < f.rate.Load() {
		f.drops.Add(1)
		return nil, errors.New("e2e: connection dropped (fault)")
	}
	resp, err := f.base.RoundTrip(req)
	if err != nil || !watching {
		return resp, err
	}
	body := resp.Body
	f.mu.Lock()
	f.open[body] = struct{}{}
	f.mu.Unlock()
	if rand.Int64N(1000) < f.rate.Load() {
		f.cuts.Add(1)
		time.AfterFunc(time.Duration(50+rand.IntN(950))*time.Millisecond, func() { body.Close() })
	}
	resp.Body = &forgetOnClose{ReadCloser: body, f: f}
	return resp, nil
}

// cutEvery closes every open watch stream every d until stop is called, as
// API servers and load balancers end watches.
func (f *cacheFaults) cutEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f.cutAll()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// cutAll closes every open watch stream.
func (f *cacheFaults) cutAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for b := range f.open {
		b.Close()
		f.cuts.Add(1)
	}
}

type forgetOnClose struct {
	io.ReadCloser
	f *cacheFaults
}

func (b *forgetOnClose) Close() error {
	b.f.mu.Lock()
	delete(b.f.open, b.ReadCloser)
	b.f.mu.Unlock()
	return b.ReadCloser.Close()
}

// newCacheFor returns a Cache over s whose requests go through faults.
func newCacheFor(t *testing.T, s *harness.Server, opts cache.Options) (*cache.Cache, *cacheFaults) {
	t.Helper()
	cfg, err := rest.LoadKubeconfig(s.TokenKubeconfig, "")
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(s.CAData))
	base := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(base.CloseIdleConnections)
	faults := &cacheFaults{base: base, open: map[io.Closer]struct{}{}}
	cfg.Transport = faults
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	mapper := restmapper.New(discovery.New(rc, discovery.Options{}), restmapper.Options{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	c := cache.New(dynamic.New(rc), mapper, opts)
	t.Cleanup(c.Stop)
	return c, faults
}

// cacheView replays a handler's notifications into its own view and notes
// every one that does not fit the view it has so far.
type cacheView struct {
	mu       sync.Mutex // guards the fields below
	view     map[string]string
	counts   map[string]int
	problems []string
}

func newCacheView() *cacheView {
	return &cacheView{view: map[string]string{}, counts: map[string]int{}}
}

func (v *cacheView) handler() cache.Handler {
	key := func(o *unstructured.Unstructured) string { return o.GetNamespace() + "/" + o.GetName() }
	note := func(what string, ok bool, o *unstructured.Unstructured) {
		v.counts[what]++
		if !ok {
			v.problems = append(v.problems, what+" "+key(o))
		}
	}
	return cache.Handler{
		OnAdd: func(o *unstructured.Unstructured, initial bool) {
			v.mu.Lock()
			defer v.mu.Unlock()
			_, held := v.view[key(o)]
			note(map[bool]string{true: "initial", false: "add"}[initial], !held, o)
			v.view[key(o)] = o.GetResourceVersion()
		},
		OnUpdate: func(old, o *unstructured.Unstructured) {
			v.mu.Lock()
			defer v.mu.Unlock()
			note("update", v.view[key(o)] == old.GetResourceVersion() && old.GetResourceVersion() != o.GetResourceVersion(), o)
			v.view[key(o)] = o.GetResourceVersion()
		},
		OnDelete: func(o *unstructured.Unstructured) {
			v.mu.Lock()
			defer v.mu.Unlock()
			_, held := v.view[key(o)]
			note("delete", held, o)
			delete(v.view, key(o))
		},
	}
}

func (v *cacheView) check(t *testing.T, want map[string]string) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	assert.Empty(t, v.problems)
	assert.Equal(t, want, v.view)
}

func (v *cacheView) count(what string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.counts[what]
}

// cacheConverge waits until inf holds what the server lists for r and sel,
// version for version, and every handler has caught up; it returns that.
func cacheConverge(t *testing.T, inf *cache.Informer, r dynamic.ResourceInterface, sel string) map[string]string {
	t.Helper()
	var want map[string]string
	require.Eventually(t, func() bool {
		l, err := r.List(context.Background(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false
		}
		want = make(map[string]string, len(l.Items))
		for _, it := range l.Items {
			want[it.GetNamespace()+"/"+it.GetName()] = it.GetResourceVersion()
		}
		got := map[string]string{}
		for _, o := range inf.List(nil) {
			got[o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
		return reflect.DeepEqual(want, got) && inf.Stats().Pending == 0
	}, 2*time.Minute, 200*time.Millisecond, "the informer never converged on the server's state")
	return want
}

// createMany creates n objects named prefix-00000… with 16 writers.
func createMany(t *testing.T, r dynamic.ResourceInterface, gvk schema.GroupVersionKind, ns, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				_, err := r.Create(context.Background(), cacheObject(gvk, ns, fmt.Sprintf("%s-%05d", prefix, i), i), metav1.CreateOptions{})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
}

// TestCacheCustomResources syncs 10,000 custom resources from the real API
// server, then keeps them in sync through 2,000 random creates, updates,
// relabels and deletes while 10% of its requests are dropped, 20% of its
// watches cut at once and the others every second: afterwards each store equals a fresh List, object for object,
// and each handler's notifications turned its first view into that state.
func TestCacheCustomResources(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// A group of its own per run: deleting 10,000 objects with their CRD
	// takes the server a while, and the test does not wait for it.
	group := fmt.Sprintf("r%d.cache.kdyn.dev", time.Now().UnixNano()%1e6)
	crd := cacheCRD("gadgets", "Gadget", group)
	require.NoError(t, installCRD(ctx, srv.ClientGoConfig(), crd))
	gvk := schema.GroupVersionKind{Group: group, Version: "v1", Kind: "Gadget"}
	gvr := schema.GroupVersionResource{Group: group, Version: "v1", Resource: "gadgets"}
	ns := newNamespace(t, srv, "e2e-cache")
	writer, _ := newDynamic(t, dynamic.Options{})
	t.Cleanup(func() {
		assert.NoError(t, writer.Resource(crdGVR).Delete(context.Background(), crd.GetName(), metav1.DeleteOptions{}))
	})
	objs := writer.Resource(gvr).Namespace(ns)
	const n = 10000
	start := time.Now()
	createMany(t, objs, gvk, ns, "g", n)
	t.Logf("created %d custom resources in %s", n, time.Since(start).Round(time.Millisecond))

	c, faults := newCacheFor(t, srv, cache.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
	all, err := c.Informer(ctx, gvk, cache.InformerOptions{Namespace: ns})
	require.NoError(t, err)
	allView := newCacheView()
	all.AddHandler(allView.handler())
	web, err := c.Informer(ctx, gvk, cache.InformerOptions{Namespace: ns, LabelSelector: "tier=web"})
	require.NoError(t, err)
	webView := newCacheView()
	web.AddHandler(webView.handler())
	start = time.Now()
	require.NoError(t, c.WaitForSync(ctx))
	st := all.Stats()
	t.Logf("synced %d objects in %s (WatchList %v)", st.Objects, time.Since(start).Round(time.Millisecond), st.WatchList)
	assert.Equal(t, n, st.Objects)
	assert.True(t, st.WatchList, "the server serves WatchList")
	assert.Len(t, web.List(nil), (n+2)/3)

	faults.rate.Store(200)
	stopCutting := faults.cutEvery(time.Second)
	var mu sync.Mutex
	done := map[string]int{}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				name := fmt.Sprintf("g-%05d", rand.IntN(n+n/10))
				var err error
				op := "update"
				switch r := rand.IntN(10); {
				case r < 2:
					op = "create"
					_, err = objs.Create(ctx, cacheObject(gvk, ns, name, i), metav1.CreateOptions{})
				case r < 5:
					_, err = objs.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"spec":{"size":%d}}`, i), metav1.PatchOptions{})
				case r < 8:
					op = "relabel"
					tier := []string{"web", "cache", "db"}[rand.IntN(3)]
					_, err = objs.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{"tier":%q}}}`, tier), metav1.PatchOptions{})
				default:
					op = "delete"
					err = objs.Delete(ctx, name, metav1.DeleteOptions{})
				}
				if apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err) {
					op += " (no such object, or one already)"
				} else {
					assert.NoError(t, err)
				}
				mu.Lock()
				done[op]++
				mu.Unlock()
			}
		})
	}
	for i := range 2000 {
		next <- i
	}
	close(next)
	wg.Wait()
	stopCutting()
	faults.rate.Store(0)
	t.Logf("writes: %v; faults: %d requests dropped, %d watches cut", done, faults.drops.Load(), faults.cuts.Load())

	want := cacheConverge(t, all, objs, "")
	allView.check(t, want)
	webView.check(t, cacheConverge(t, web, objs, "tier=web"))
	fresh, err := objs.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for i := range fresh.Items {
		f := &fresh.Items[i]
		unstructured.RemoveNestedField(f.Object, "metadata", "managedFields")
		got, ok := all.Get(ns, f.GetName())
		if assert.True(t, ok, f.GetName()) && !assert.Equal(t, f.Object, got.Object) {
			break
		}
	}
	for _, inf := range []*cache.Informer{all, web} {
		st := inf.Stats()
		t.Logf("%d objects, %d events, %d syncs, %d watch restarts", st.Objects, st.Events, st.Syncs, st.WatchRestarts)
	}
	assert.NotZero(t, all.Stats().WatchRestarts+web.Stats().WatchRestarts, "watches were cut and resumed")
}

// TestCacheRelistAfterCompaction: an informer's watch is cut off while
// PodTemplates (which the server reads from etcd, not its watch cache; see
// TestMain) change and etcd is compacted, so its resume gets 410 Gone. It
// reads the state again and its handler sees exactly the changes.
func TestCacheRelistAfterCompaction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-cache-gone")
	writer, _ := newDynamic(t, dynamic.Options{})
	pts := writer.Resource(podTemplatesV1).Namespace(ns)
	for i := range 30 {
		_, err := pts.Create(ctx, podTemplate(fmt.Sprintf("pt%02d", i)), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	c, faults := newCacheFor(t, srv, cache.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	inf, err := c.Informer(ctx, schema.GroupVersionKind{Version: "v1", Kind: "PodTemplate"}, cache.InformerOptions{Namespace: ns})
	require.NoError(t, err)
	view := newCacheView()
	inf.AddHandler(view.handler())
	require.NoError(t, inf.WaitForSync(ctx))
	cacheConverge(t, inf, pts, "")

	faults.block.Store(true)
	faults.cutAll()
	for i := range 5 {
		_, err := pts.Create(ctx, podTemplate(fmt.Sprintf("new%d", i)), metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = pts.Patch(ctx, fmt.Sprintf("pt%02d", i), types.MergePatchType, []byte(`{"metadata":{"labels":{"changed":"yes"}}}`), metav1.PatchOptions{})
		require.NoError(t, err)
		require.NoError(t, pts.Delete(ctx, fmt.Sprintf("pt%02d", 29-i), metav1.DeleteOptions{}))
	}
	require.NoError(t, srv.CompactEtcd(ctx))
	faults.block.Store(false)

	view.check(t, cacheConverge(t, inf, pts, ""))
	assert.Equal(t, []int{30, 5, 5, 5}, []int{view.count("initial"), view.count("add"), view.count("update"), view.count("delete")},
		"30 initial adds, then the 15 changes only")
	st := inf.Stats()
	t.Logf("%+v", st)
	assert.Equal(t, uint64(1), st.Relists, "the resume got 410 Gone")
}

// TestCacheCRDDeletedAndRecreated: an informer asked for before its CRD
// exists waits, syncs once the CRD is installed, delivers the deletion of
// every object when the CRD is deleted and waits again, and comes back with
// the CRD.
func TestCacheCRDDeletedAndRecreated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	crd := cacheCRD("doodads", "Doodad", "cache.kdyn.dev")
	gvk := schema.GroupVersionKind{Group: "cache.kdyn.dev", Version: "v1", Kind: "Doodad"}
	gvr := schema.GroupVersionResource{Group: "cache.kdyn.dev", Version: "v1", Resource: "doodads"}
	ns := newNamespace(t, srv, "e2e-cache-crd")
	writer, _ := newDynamic(t, dynamic.Options{})
	objs := writer.Resource(gvr).Namespace(ns)
	// Short watches: the API server keeps a deleted CRD's open watches for
	// up to two request timeouts before it tears its storage down.
	c, _ := newCacheFor(t, srv, cache.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: 2 * time.Second,
		KindPollInterval: 200 * time.Millisecond, WatchTimeout: 5 * time.Second})

	inf, err := c.Informer(ctx, gvk, cache.InformerOptions{Namespace: ns})
	require.NoError(t, err)
	assert.Equal(t, cache.Waiting, inf.State())
	view := newCacheView()
	inf.AddHandler(view.handler())

	initial := 0
	for round := range 2 {
		require.NoError(t, installCRD(ctx, srv.ClientGoConfig(), crd))
		createMany(t, objs, gvk, ns, fmt.Sprintf("d%d", round), 20)
		require.NoError(t, inf.WaitForSync(ctx))
		view.check(t, cacheConverge(t, inf, objs, ""))

		start := time.Now()
		require.NoError(t, deleteCRD(ctx, srv.ClientGoConfig(), crd.GetName()))
		require.Eventually(t, func() bool { return inf.State() == cache.Waiting && view.count("delete") == 20*(round+1) },
			4*time.Minute, 100*time.Millisecond, "round %d: %+v", round, inf.Stats())
		t.Logf("round %d: waiting again %s after the CRD was deleted", round, time.Since(start).Round(time.Millisecond))
		view.check(t, map[string]string{})
		assert.Empty(t, inf.List(nil))
		if round == 0 {
			// Objects created before the first sync are initial, later ones not.
			initial = view.count("initial")
		}
	}
	assert.Equal(t, initial, view.count("initial"), "objects of the re-created CRD are not initial")
	assert.Equal(t, 40, view.count("initial")+view.count("add"))
}

// TestCacheWatchListOff runs a server with the WatchList gate off: the
// informer's WatchList is refused, it lists and watches instead, and its
// Cache does not ask again.
func TestCacheWatchListOff(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	off, err := harness.Start(harness.Options{Name: "watchlist-off", FeatureGates: "WatchList=false"})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, off.Stop()) })
	ns := newNamespace(t, off, "e2e-cache-off")
	writer, _ := newDynamicFor(t, off, dynamic.Options{})
	cms := writer.Resource(configMapsV1).Namespace(ns)
	for i := range 40 {
		_, err := cms.Create(ctx, configMap(fmt.Sprintf("cm%02d", i), map[string]any{"i": fmt.Sprint(i)}), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	c, faults := newCacheFor(t, off, cache.Options{PageSize: 15})
	cmGVK := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	inf, err := c.Informer(ctx, cmGVK, cache.InformerOptions{Namespace: ns})
	require.NoError(t, err)
	view := newCacheView()
	inf.AddHandler(view.handler())
	require.NoError(t, inf.WaitForSync(ctx))
	other, err := c.Informer(ctx, cmGVK, cache.InformerOptions{Namespace: ns, LabelSelector: "absent"})
	require.NoError(t, err)
	require.NoError(t, other.WaitForSync(ctx))

	assert.False(t, inf.Stats().WatchList)
	assert.Equal(t, int64(1), faults.watches.Load(), "one WatchList, refused and remembered")
	_, err = cms.Create(ctx, configMap("late", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	view.check(t, cacheConverge(t, inf, cms, ""))
	assert.Equal(t, 40, view.count("initial"))
	assert.Equal(t, 1, view.count("add"))
}
