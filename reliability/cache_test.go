package reliability

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// cacheDuration is how long TestCacheUnderFaults writes under faults:
//
//	go test -run TestCacheUnderFaults -v ./reliability/ -args -cache-duration 10m
var cacheDuration = flag.Duration("cache-duration", time.Minute, "how long TestCacheUnderFaults writes under faults")

var (
	cacheWidgetGVK = schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	cacheWidgetGVR = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	cacheCRDGVR    = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// TestCacheUnderFaults runs 5 informers (widgets cluster-wide, in one
// namespace and by label, ConfigMaps in one namespace, and widgets by paged
// lists in a second Cache) through the chaos handler at 20% faults, while
// writers change their objects for a minute and the server ends every
// watch every 300 ms and keeps 15 events of history (resumes that miss
// more get 410). Afterwards every store holds exactly the server's objects, at
// their versions: none lost, none phantom; each handler's notifications
// replay to that state; no goroutine is left (TestMain's goleak).
func TestCacheUnderFaults(t *testing.T) {
	srv := fixture.NewServer(fixture.Synthetic(1, 1), fixture.WithWatchHistory(15), fixture.WithWatchesClosedEvery(300*time.Millisecond))
	t.Cleanup(srv.Close)
	e := newEnvOn(t, srv)
	direct := directClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), *cacheDuration+3*time.Minute)
	defer cancel()
	setupCacheObjects(ctx, t, direct)

	mapper := restmapper.New(discovery.New(e.rc, discovery.Options{}), restmapper.Options{})
	opts := cache.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: time.Second}
	watchListCache := cache.New(e.dyn, mapper, opts)
	opts.DisableWatchList, opts.PageSize = true, 50
	pagedCache := cache.New(e.dyn, mapper, opts)
	widgets := direct.Resource(cacheWidgetGVR)
	type watched struct {
		name string
		inf  *cache.Informer
		src  dynamic.ResourceInterface
		sel  string
		view *cacheView
	}
	var ws []*watched
	for _, w := range []struct {
		name string
		c    *cache.Cache
		gvk  schema.GroupVersionKind
		opts cache.InformerOptions
		src  dynamic.ResourceInterface
	}{
		{"widgets", watchListCache, cacheWidgetGVK, cache.InformerOptions{}, widgets},
		{"widgets in a", watchListCache, cacheWidgetGVK, cache.InformerOptions{Namespace: "a"}, widgets.Namespace("a")},
		{"widgets tier=web", watchListCache, cacheWidgetGVK, cache.InformerOptions{LabelSelector: "tier=web"}, widgets},
		{"configmaps in b", watchListCache, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, cache.InformerOptions{Namespace: "b"}, direct.Resource(configMaps).Namespace("b")},
		{"widgets, paged lists", pagedCache, cacheWidgetGVK, cache.InformerOptions{}, widgets},
	} {
		inf, err := w.c.Informer(ctx, w.gvk, w.opts)
		require.NoError(t, err, w.name)
		v := newCacheView()
		inf.AddHandler(v.handler())
		ws = append(ws, &watched{name: w.name, inf: inf, src: w.src, sel: w.opts.LabelSelector, view: v})
	}

	before := heap()
	e.chaos.setRate(faultRate)
	start := time.Now()
	writes := cacheWrites(ctx, direct, *cacheDuration)
	e.chaos.setRate(0)
	faults, injected := e.chaos.injected()
	t.Logf("%s under faults: %d requests to the chaos handler, %d faults (%.1f%%): %v", time.Since(start).Round(time.Second),
		e.chaos.requests.Load(), injected, 100*float64(injected)/float64(e.chaos.requests.Load()), faults)
	t.Logf("writes: %v", writes)

	var events, relists, restarts uint64
	for _, w := range ws {
		want := cacheState(ctx, t, w.inf, w.src, w.sel)
		got := versionsOf(w.inf.List(nil))
		lost, phantom := 0, 0
		for k := range want {
			if _, ok := got[k]; !ok {
				lost++
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				phantom++
			}
		}
		assert.Zero(t, lost+phantom, "%s: %d lost, %d phantom", w.name, lost, phantom)
		assert.Equal(t, want, got, w.name)
		w.view.check(t, want)
		st := w.inf.Stats()
		t.Logf("%s: %d objects, 0 lost, 0 phantom; %d events, %d syncs (%d relists), %d watch restarts",
			w.name, st.Objects, st.Events, st.Syncs, st.Relists, st.WatchRestarts)
		events, relists, restarts = events+st.Events, relists+st.Relists, restarts+st.WatchRestarts
	}
	assert.NotZero(t, relists, "resumes ran into 410 Gone")
	assert.NotZero(t, restarts, "watches were cut")
	watchListCache.Stop()
	pagedCache.Stop()
	t.Logf("heap after GC: %s before the faults, %s at the end with 5 informers", mib(before), mib(heap()))
}

// directClient reaches srv without the chaos handler: the writers', and the
// final List's, whose answers are the truth the stores are checked against.
func directClient(t *testing.T, srv *fixture.Server) *dynamic.Client {
	t.Helper()
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, Timeout: 10 * time.Second, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return dynamic.New(rc)
}

// setupCacheObjects installs the Widget CRD and namespaces a and b, with
// 150 widgets and 30 ConfigMaps.
func setupCacheObjects(ctx context.Context, t *testing.T, c *dynamic.Client) {
	t.Helper()
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{"group": "example.com", "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}},
	}}
	_, err := c.Resource(cacheCRDGVR).Create(ctx, crd, metav1.CreateOptions{})
	require.NoError(t, err)
	for _, ns := range []string{"a", "b"} {
		_, err := c.Resource(namespaces).Create(ctx, namespace(ns), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	for i := range 150 {
		_, err := c.Resource(cacheWidgetGVR).Namespace([]string{"a", "b", "default"}[i%3]).Create(ctx, cacheWidget(i), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	for i := range 30 {
		_, err := c.Resource(configMaps).Namespace("b").Create(ctx, configMap("b", fmt.Sprintf("cm%03d", i), nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

func cacheWidget(i int) *unstructured.Unstructured {
	ns := []string{"a", "b", "default"}[i%3]
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": fmt.Sprintf("w%04d", i), "namespace": ns,
			"labels": map[string]any{"tier": []string{"web", "cache", "db"}[rand.IntN(3)]}},
		"spec": map[string]any{"size": int64(i)},
	}}
}

// cacheWrites changes widgets and ConfigMaps with 4 writers for d: creates,
// updates, relabels and deletes, each picking its object at random.
func cacheWrites(ctx context.Context, c *dynamic.Client, d time.Duration) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	var stop atomic.Bool
	time.AfterFunc(d, func() { stop.Store(true) })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				op, err := cacheWrite(ctx, c)
				mu.Lock()
				counts[map[bool]string{true: op, false: op + " refused"}[err == nil]]++
				mu.Unlock()
				time.Sleep(time.Duration(rand.IntN(10)) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return counts
}

func cacheWrite(ctx context.Context, c *dynamic.Client) (string, error) {
	i := rand.IntN(250)
	if rand.IntN(5) == 0 {
		cms := c.Resource(configMaps).Namespace("b")
		name := fmt.Sprintf("cm%03d", i%50)
		if rand.IntN(2) == 0 {
			_, err := cms.Create(ctx, configMap("b", name, nil), metav1.CreateOptions{})
			return "configmap create", err
		}
		return "configmap delete", cms.Delete(ctx, name, metav1.DeleteOptions{})
	}
	w := cacheWidget(i)
	r := c.Resource(cacheWidgetGVR).Namespace(w.GetNamespace())
	var err error
	switch op := rand.IntN(10); {
	case op < 3:
		_, err = r.Create(ctx, w, metav1.CreateOptions{})
		return "widget create", err
	case op < 6:
		_, err = r.Patch(ctx, w.GetName(), types.MergePatchType, fmt.Appendf(nil, `{"spec":{"size":%d}}`, rand.IntN(1000)), metav1.PatchOptions{})
		return "widget update", err
	case op < 8:
		tier := []string{"web", "cache", "db"}[rand.IntN(3)]
		_, err = r.Patch(ctx, w.GetName(), types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{"tier":%q}}}`, tier), metav1.PatchOptions{})
		return "widget relabel", err
	}
	return "widget delete", r.Delete(ctx, w.GetName(), metav1.DeleteOptions{})
}

// cacheState waits until inf holds what the server lists for src and sel,
// and its handlers have caught up; it returns the server's state.
func cacheState(ctx context.Context, t *testing.T, inf *cache.Informer, src dynamic.ResourceInterface, sel string) map[string]string {
	t.Helper()
	var want map[string]string
	require.Eventually(t, func() bool {
		l, err := src.List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false
		}
		objs := make([]*unstructured.Unstructured, len(l.Items))
		for i := range l.Items {
			objs[i] = &l.Items[i]
		}
		want = versionsOf(objs)
		return maps.Equal(want, versionsOf(inf.List(nil))) && inf.Stats().Pending == 0
	}, time.Minute, 50*time.Millisecond, "the informer never caught up with the server")
	return want
}

func versionsOf(objs []*unstructured.Unstructured) map[string]string {
	out := make(map[string]string, len(objs))
	for _, o := range objs {
		out[o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
	}
	return out
}

// cacheView replays a handler's notifications into its own view, noting
// every one that does not fit the view so far.
type cacheView struct {
	mu       sync.Mutex // guards view and problems
	view     map[string]string
	problems []string
}

func newCacheView() *cacheView { return &cacheView{view: map[string]string{}} }

func (v *cacheView) handler() cache.Handler {
	key := func(o *unstructured.Unstructured) string { return o.GetNamespace() + "/" + o.GetName() }
	return cache.Handler{
		OnAdd: func(o *unstructured.Unstructured, _ bool) {
			v.mu.Lock()
			defer v.mu.Unlock()
			if _, held := v.view[key(o)]; held {
				v.problems = append(v.problems, "add of a held object "+key(o))
			}
			v.view[key(o)] = o.GetResourceVersion()
		},
		OnUpdate: func(old, o *unstructured.Unstructured) {
			v.mu.Lock()
			defer v.mu.Unlock()
			if v.view[key(o)] != old.GetResourceVersion() {
				v.problems = append(v.problems, "update from a version not held "+key(o))
			}
			v.view[key(o)] = o.GetResourceVersion()
		},
		OnDelete: func(o *unstructured.Unstructured) {
			v.mu.Lock()
			defer v.mu.Unlock()
			if _, held := v.view[key(o)]; !held {
				v.problems = append(v.problems, "delete of an object not held "+key(o))
			}
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
