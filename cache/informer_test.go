package cache_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
)

// TestInformerSync syncs 300 widgets in three namespaces with WatchList and
// with paged lists, then follows creates, updates and deletes.
func TestInformerSync(t *testing.T) {
	for name, opts := range map[string]cache.Options{
		"watchlist":  fastOptions,
		"paged list": {DisableWatchList: true, PageSize: 40, MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts)
			e.installCRD(t)
			e.namespaces(t, "a", "b", "c")
			e.createWidgets(t, 300, "a", "b", "c")
			ctx := ctxFor(t, 30*time.Second)

			inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			rec := newRecorder()
			inf.AddHandler(rec.handler())
			require.NoError(t, inf.WaitForSync(ctx))
			assert.True(t, inf.HasSynced())
			assert.Equal(t, cache.Synced, inf.State())

			all := e.dyn.Resource(widgetGVR)
			want := converge(t, inf, all)
			drained(t, inf)
			assert.Len(t, want, 300)
			rec.check(t, want)
			initial, adds, _, _ := rec.counts()
			assert.Equal(t, 300, initial, "the first sync's objects are initial adds")
			assert.Equal(t, 300, adds)

			st := inf.Stats()
			assert.Equal(t, 300, st.Objects)
			assert.Equal(t, name == "watchlist", st.WatchList)
			assert.Equal(t, uint64(1), st.Syncs)
			assert.Zero(t, st.Relists)
			assert.Equal(t, widgetGVR, st.Resource)
			assert.NotEmpty(t, st.LastResourceVersion)

			got, ok := inf.Get("b", "w0001")
			require.True(t, ok)
			assert.Equal(t, "green", got.Object["spec"].(map[string]any)["color"])
			assert.Nil(t, got.GetManagedFields(), "managedFields are dropped by default")
			_, ok = inf.Get("a", "w0001")
			assert.False(t, ok)
			assert.Len(t, inf.List(labels.SelectorFromSet(labels.Set{"tier": "db"})), 100)
			assert.Len(t, inf.ByIndex(cache.NamespaceIndex, "c"), 100)

			// Changes after the sync.
			_, err = e.widgets("a").Create(ctx, widget("a", "new", 1), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = e.widgets("a").Patch(ctx, "w0000", types.MergePatchType, []byte(`{"spec":{"color":"black"}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.NoError(t, e.widgets("b").Delete(ctx, "w0001", metav1.DeleteOptions{}))
			want = converge(t, inf, all)
			drained(t, inf)
			rec.check(t, want)
			got, _ = inf.Get("a", "w0000")
			assert.Equal(t, "black", got.Object["spec"].(map[string]any)["color"])
			_, adds, updates, deletes := rec.counts()
			assert.Equal(t, []int{301, 1, 1}, []int{adds, updates, deletes})
			assert.Equal(t, uint64(3), inf.Stats().Events)
		})
	}
}

// TestInformerNamespaceAndSelectors: an informer for one namespace and a
// label selector holds just those; objects that start or stop matching come
// and go.
func TestInformerNamespaceAndSelectors(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.namespaces(t, "a", "b")
	e.createWidgets(t, 30, "a", "b")
	ctx := ctxFor(t, 30*time.Second)

	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{Namespace: "a", LabelSelector: "tier=web"})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	selected := e.widgets("a")
	want := func() map[string]string {
		l, err := selected.List(ctx, metav1.ListOptions{LabelSelector: "tier=web"})
		require.NoError(t, err)
		out := map[string]string{}
		for _, it := range l.Items {
			out[it.GetNamespace()+"/"+it.GetName()] = it.GetResourceVersion()
		}
		return out
	}
	assert.Equal(t, want(), versions(inf.List(nil)))
	assert.Len(t, inf.List(nil), 5)

	// w0002 (tier db) starts matching, w0000 (tier web) stops.
	_, err = selected.Patch(ctx, "w0002", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"web"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	_, err = selected.Patch(ctx, "w0000", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"db"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, in := inf.Get("a", "w0002")
		_, out := inf.Get("a", "w0000")
		return in && !out
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, want(), versions(inf.List(nil)))
}

// TestInformerShared: one informer per resource and selection.
func TestInformerShared(t *testing.T) {
	e := newEnv(t, fastOptions)
	ctx := ctxFor(t, 30*time.Second)
	a, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{Namespace: "default", LabelSelector: "a=1,b=2"})
	require.NoError(t, err)
	b, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{Namespace: "default", LabelSelector: "b=2, a=1"})
	require.NoError(t, err)
	assert.Same(t, a, b, "the same selection, written differently")
	preferred, err := e.cache.Informer(ctx, configMapGVK.GroupKind().WithVersion(""), cache.InformerOptions{Namespace: "default", LabelSelector: "a=1,b=2"})
	require.NoError(t, err)
	assert.Same(t, a, preferred, "the preferred version maps to the same resource")

	for _, o := range []cache.InformerOptions{
		{Namespace: "kube-system", LabelSelector: "a=1,b=2"},
		{Namespace: "default"},
		{Namespace: "default", LabelSelector: "a=1,b=2", FieldSelector: "metadata.name=x"},
		{Namespace: "default", LabelSelector: "a=1,b=2", KeepManagedFields: true},
	} {
		other, err := e.cache.Informer(ctx, configMapGVK, o)
		require.NoError(t, err)
		assert.NotSame(t, a, other, "%+v", o)
	}

	a.Stop()
	assert.Equal(t, cache.Stopped, a.State())
	assert.ErrorIs(t, a.WaitForSync(ctx), cache.ErrStopped)
	again, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{Namespace: "default", LabelSelector: "a=1,b=2"})
	require.NoError(t, err)
	assert.NotSame(t, a, again, "a stopped informer is replaced")
	require.NoError(t, again.WaitForSync(ctx))
}

// TestInformerOptionErrors: options that cannot be served fail at once with
// an *OptionError.
func TestInformerOptionErrors(t *testing.T) {
	e := newEnv(t, fastOptions)
	ctx := ctxFor(t, 30*time.Second)
	trim := func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) { return u, nil }
	first, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{Transform: trim})
	require.NoError(t, err)
	same, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{Transform: trim})
	require.NoError(t, err)
	assert.Same(t, first, same)

	for name, tc := range map[string]struct {
		gvk   schema.GroupVersionKind
		opts  cache.InformerOptions
		field string
	}{
		"label selector":     {configMapGVK, cache.InformerOptions{LabelSelector: "a in (b"}, "LabelSelector"},
		"field selector":     {configMapGVK, cache.InformerOptions{FieldSelector: "a=b=c"}, "FieldSelector"},
		"no kind":            {schema.GroupVersionKind{Version: "v1"}, cache.InformerOptions{}, "Kind"},
		"cluster-scoped":     {namespaceGVK, cache.InformerOptions{Namespace: "default"}, "Namespace"},
		"another transform":  {configMapGVK, cache.InformerOptions{}, "Transform"},
		"another transform2": {configMapGVK, cache.InformerOptions{Transform: func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) { return nil, nil }}, "Transform"},
	} {
		t.Run(name, func(t *testing.T) {
			inf, err := e.cache.Informer(ctx, tc.gvk, tc.opts)
			var oe *cache.OptionError
			require.True(t, errors.As(err, &oe), "%v", err)
			assert.Equal(t, tc.field, oe.Field)
			assert.Nil(t, inf)
		})
	}
}

// TestInformerTransform: the Transform's result is what the store holds;
// an error drops the object and shows in Stats.
func TestInformerTransform(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 6, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{Transform: func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
		if u.GetName() == "w0003" {
			return nil, fmt.Errorf("no w0003")
		}
		delete(u.Object, "status")
		return u, nil
	}})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	assert.Len(t, inf.List(nil), 5)
	got, ok := inf.Get("default", "w0001")
	require.True(t, ok)
	assert.NotContains(t, got.Object, "status")
	assert.ErrorContains(t, inf.Stats().LastError, "no w0003")
}

// TestInformerKeepManagedFields keeps managedFields when asked.
func TestInformerKeepManagedFields(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 3, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{KeepManagedFields: true})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	fresh, err := e.widgets("default").Get(ctx, "w0002", metav1.GetOptions{})
	require.NoError(t, err)
	got, ok := inf.Get("default", "w0002")
	require.True(t, ok)
	require.NotEmpty(t, got.GetManagedFields())
	assert.Equal(t, fresh.Object, got.Object, "the stored object equals what the server returns")
}

// TestGetAndListAllocateNothingPerObject: Get allocates nothing; List only
// its result slice, however many objects it returns.
func TestGetAndListAllocateNothingPerObject(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 90, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	sel := labels.SelectorFromSet(labels.Set{"tier": "web"})
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = inf.Get("default", "w0042") }))
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = inf.List(nil) }))
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _ = inf.List(sel) }), 6.0, "a growing slice for 30 of 90 objects")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = inf.ByIndex(cache.NamespaceIndex, "default") }))
}
