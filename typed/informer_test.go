package typed

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// fastCache keeps the cache's backoffs short, so that a kind that appears
// later is found quickly.
var fastCache = cache.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	KindPollInterval: 20 * time.Millisecond}

// cacheFor returns a Cache over the fixture cs talks to, with its mapper.
func cacheFor(t *testing.T, cs *Clientset, rc *rest.Client) *cache.Cache {
	t.Helper()
	c := cache.New(dynamic.New(rc), cs.mapper, fastCache)
	t.Cleanup(c.Stop)
	return c
}

func informDeployments(t *testing.T, ctx context.Context, c *cache.Cache, cs *Clientset, opts InformerOptions) *Informer[*appsv1.Deployment] {
	t.Helper()
	inf, err := Inform[*appsv1.Deployment](ctx, c, cs.scheme, opts)
	require.NoError(t, err)
	return inf
}

// withoutManagedFields is what the informer holds of obj by default.
func withoutManagedFields(d *appsv1.Deployment) *appsv1.Deployment {
	d = d.DeepCopy()
	d.ManagedFields = nil
	return d
}

// TestInformerDeployments: a typed view of Deployments holds, right after
// WaitForSync, what a typed client's Get returns, field for field (less
// managedFields, dropped by default), and keeps it current; reads and
// handlers share one converted object per version.
func TestInformerDeployments(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	deploys := forDeployments(t, cs).Namespace("default")
	for i, name := range []string{"web", "api", "db"} {
		d := deployment(name, int32(i+1))
		d.Labels["tier"] = map[bool]string{true: "back", false: "front"}[name == "db"]
		_, err := deploys.Create(ctx, d, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	c := cacheFor(t, cs, rc)
	inf := informDeployments(t, ctx, c, cs, InformerOptions{})
	require.NoError(t, inf.WaitForSync(ctx))
	assert.True(t, inf.HasSynced())
	assert.Equal(t, cache.Synced, inf.State())

	for _, name := range []string{"web", "api", "db"} {
		want, err := deploys.Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		got, ok := inf.Get("default", name)
		require.True(t, ok, "%s right after WaitForSync", name)
		assert.Equal(t, withoutManagedFields(want), got, name)
	}
	_, ok := inf.Get("default", "nope")
	assert.False(t, ok)
	assert.Len(t, inf.List(nil), 3)
	assert.ElementsMatch(t, []string{"web", "api"}, namesOf(inf.List(labels.SelectorFromSet(labels.Set{"tier": "front"}))))
	assert.ElementsMatch(t, []string{"web", "api", "db"}, namesOf(inf.ByIndex(cache.NamespaceIndex, "default")))
	assert.Empty(t, inf.ByIndex(cache.NamespaceIndex, "kube-system"))

	require.NoError(t, inf.AddIndex("replicas", func(d *appsv1.Deployment) []string {
		return []string{fmt.Sprint(*d.Spec.Replicas)}
	}))
	assert.Equal(t, []string{"api"}, namesOf(inf.ByIndex("replicas", "2")))
	assert.Error(t, inf.AddIndex("replicas", func(*appsv1.Deployment) []string { return nil }), "a name already used")
	assert.Error(t, inf.AddIndex(cache.NamespaceIndex, func(*appsv1.Deployment) []string { return nil }))

	log := &typedLog{}
	remove := inf.AddHandler(log.handler())
	defer remove()
	p, err := deploys.Patch(ctx, "api", types.MergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.NoError(t, deploys.Delete(ctx, "db", metav1.DeleteOptions{}))
	log.waitFor(t, "update api", "delete db")
	assert.Equal(t, []string{"add api", "add db", "add web", "update api", "delete db"}, log.sorted(3))

	got, ok := inf.Get("default", "api")
	require.True(t, ok)
	assert.Equal(t, withoutManagedFields(p), got, "the patched version, field for field")
	assert.Same(t, log.last("update api"), got, "the handler and Get share the one conversion of a version")
	assert.Same(t, got, inf.ByIndex("replicas", "5")[0], "and so do indexes")
	_, ok = inf.Get("default", "db")
	assert.False(t, ok)
	assert.Equal(t, uint64(0), inf.Stats().ConversionErrors)
	assert.Nil(t, inf.Stats().LastConversionError)
	assert.Equal(t, 2, inf.Stats().Objects)
}

// TestInformerReadsAllocateNothingPerObject: Get allocates nothing; List
// allocates its result and the cache's slice, whatever the number of
// objects.
func TestInformerReadsAllocateNothingPerObject(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	deploys := forDeployments(t, cs).Namespace("default")
	for i := range 20 {
		_, err := deploys.Create(ctx, deployment(fmt.Sprintf("d%02d", i), 1), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	inf := informDeployments(t, ctx, cacheFor(t, cs, rc), cs, InformerOptions{})
	require.NoError(t, inf.WaitForSync(ctx))
	assert.Zero(t, testing.AllocsPerRun(100, func() { inf.Get("default", "d07") }))
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { inf.List(nil) }), 2.0)
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { inf.ByIndex(cache.NamespaceIndex, "default") }), 2.0)
}

// TestInformerKeepManagedFields: with managedFields kept, the informer
// holds all a typed client's Get returns. The fieldsV1 of each entry is
// the same JSON, encoded again from the cache's decoded form.
func TestInformerKeepManagedFields(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	deploys := forDeployments(t, cs).Namespace("default")
	_, err := deploys.Apply(ctx, ApplyConfigurationOf(deployment("web", 2)), metav1.ApplyOptions{FieldManager: "test"})
	require.NoError(t, err)
	want, err := deploys.Get(ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, want.ManagedFields)

	inf := informDeployments(t, ctx, cacheFor(t, cs, rc), cs, InformerOptions{KeepManagedFields: true, SetTypeMeta: true})
	require.NoError(t, inf.WaitForSync(ctx))
	got, ok := inf.Get("default", "web")
	require.True(t, ok)
	assert.Equal(t, "Deployment", got.Kind, "SetTypeMeta")
	assert.Equal(t, "apps/v1", got.APIVersion)
	require.Len(t, got.ManagedFields, len(want.ManagedFields))
	for i := range want.ManagedFields {
		assert.JSONEq(t, want.ManagedFields[i].FieldsV1.GetRawString(), got.ManagedFields[i].FieldsV1.GetRawString())
		got.ManagedFields[i].FieldsV1, want.ManagedFields[i].FieldsV1 = nil, nil
	}
	want.TypeMeta = got.TypeMeta
	assert.Equal(t, want, got)
}

// strictWidget is a Go type written for another version of the Widget
// CRD, where color was a number: Widgets with a color do not convert.
type strictWidget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Replicas *int32 `json:"replicas,omitempty"`
		Color    int32  `json:"color,omitempty"`
	} `json:"spec"`
}

func (w *strictWidget) DeepCopyObject() runtime.Object {
	out := *w
	w.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// TestInformerCustomResource: a typed view of a CRD's Go type, asked for
// before the CRD exists, waits, syncs once it is installed and holds what
// the typed client gets. An object the Go type cannot hold is reported,
// not stored, and not a panic.
func TestInformerCustomResource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	c := cacheFor(t, cs, rc)
	inf, err := Inform[*Widget](ctx, c, cs.scheme, InformerOptions{Namespace: "default"})
	require.NoError(t, err)
	assert.Equal(t, cache.Waiting, inf.State())

	installWidgets(t, rc)
	widgets := forWidgets(t, cs).Namespace("default")
	require.Eventually(t, func() bool {
		_, err := widgets.Create(ctx, widget("w1", "red", 1), metav1.CreateOptions{})
		return err == nil
	}, 20*time.Second, 20*time.Millisecond)
	require.NoError(t, inf.WaitForSync(ctx))
	require.Eventually(t, func() bool { _, ok := inf.Get("default", "w1"); return ok }, 20*time.Second, 10*time.Millisecond)
	want, err := widgets.Get(ctx, "w1", metav1.GetOptions{})
	require.NoError(t, err)
	want.ManagedFields = nil
	got, _ := inf.Get("default", "w1")
	assert.Equal(t, want, got, "field for field")

	s := runtime.NewScheme()
	s.AddKnownTypeWithName(widgetGV.WithKind("Widget"), &strictWidget{})
	strict, err := Inform[*strictWidget](ctx, c, s, InformerOptions{})
	require.NoError(t, err, "all namespaces: another informer than the first")
	_, err = widgets.Create(ctx, &Widget{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, strict.WaitForSync(ctx))
	require.Eventually(t, func() bool { _, ok := strict.Get("default", "plain"); return ok }, 20*time.Second, 10*time.Millisecond)
	_, ok := strict.Get("default", "w1")
	assert.False(t, ok, "a Widget whose color is a string is not held")
	st := strict.Stats()
	assert.GreaterOrEqual(t, st.ConversionErrors, uint64(1))
	require.NotNil(t, st.LastConversionError)
	assert.Equal(t, "w1", st.LastConversionError.Name)
	assert.ErrorContains(t, st.LastConversionError, "spec.color: cannot convert a JSON string into Go type int32")
	var ce *ConversionError
	assert.ErrorAs(t, st.LastError, &ce, "the cache's LastError wraps it")

	// A version that converts replaces nothing yet; one that does not keeps
	// the stored version.
	_, err = widgets.Patch(ctx, "plain", types.MergePatchType, []byte(`{"spec":{"color":"blue"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strict.Stats().ConversionErrors >= 2 }, 20*time.Second, 10*time.Millisecond)
	held, ok := strict.Get("default", "plain")
	require.True(t, ok, "the version before the change stays")
	assert.Zero(t, held.Spec.Color)
}

// TestInformerShared: Inform for the same informer, from many goroutines
// at once, gives views of one cache informer and one conversion per
// object; asking it with other options, or as unstructured objects, is
// refused with the cache's OptionError.
func TestInformerShared(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	_, err := forDeployments(t, cs).Namespace("default").Create(ctx, deployment("web", 1), metav1.CreateOptions{})
	require.NoError(t, err)
	c := cacheFor(t, cs, rc)

	infs := make([]*Informer[*appsv1.Deployment], 8)
	var wg sync.WaitGroup
	for i := range infs {
		wg.Go(func() {
			inf, err := Inform[*appsv1.Deployment](ctx, c, cs.scheme, InformerOptions{})
			assert.NoError(t, err)
			infs[i] = inf
		})
	}
	wg.Wait()
	for _, inf := range infs {
		require.NotNil(t, inf)
		require.NoError(t, inf.WaitForSync(ctx))
		assert.Same(t, infs[0].inf, inf.inf, "one cache informer")
		assert.Same(t, infs[0].conv, inf.conv, "one converter")
		a, _ := infs[0].Get("default", "web")
		b, _ := inf.Get("default", "web")
		assert.Same(t, a, b)
	}

	_, err = Inform[*appsv1.Deployment](ctx, c, cs.scheme, InformerOptions{SetTypeMeta: true})
	var oe *cache.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "SetTypeMeta", oe.Field)

	_, err = c.Informer(ctx, infs[0].Kind(), cache.InformerOptions{})
	require.ErrorAs(t, err, &oe, "the same informer as unstructured objects")
	assert.Equal(t, "Transform", oe.Field)

	_, err = c.Informer(ctx, infs[0].Kind(), cache.InformerOptions{Namespace: "default"})
	require.NoError(t, err, "another selection is another informer")
	_, err = Inform[*appsv1.Deployment](ctx, c, cs.scheme, InformerOptions{Namespace: "default"})
	require.ErrorAs(t, err, &oe)
	assert.ErrorContains(t, err, "typed: the cache already runs an informer of unstructured objects")

	_, err = Inform[*appsv1.Deployment](ctx, c, runtime.NewScheme(), InformerOptions{})
	assert.True(t, runtime.IsNotRegisteredError(err), "%v", err)
	_, err = Inform[*appsv1.Deployment](ctx, nil, cs.scheme, InformerOptions{})
	assert.Error(t, err)
	_, err = Inform[*appsv1.Deployment](ctx, c, cs.scheme, InformerOptions{LabelSelector: "a in"})
	assert.ErrorAs(t, err, &oe, "a selector that does not parse")
}

// TestInformerStop: Stop ends the cache informer; a new Inform starts
// another one.
func TestInformerStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, rc, _ := fixtureSet(t, Options{})
	c := cacheFor(t, cs, rc)
	inf := informDeployments(t, ctx, c, cs, InformerOptions{})
	require.NoError(t, inf.WaitForSync(ctx))
	inf.Stop()
	assert.Equal(t, cache.Stopped, inf.State())
	assert.True(t, errors.Is(inf.WaitForSync(ctx), cache.ErrStopped))

	again := informDeployments(t, ctx, c, cs, InformerOptions{})
	assert.NotSame(t, inf.inf, again.inf)
	assert.NotSame(t, inf.conv, again.conv, "the stopped informer's converter is not reused")
	require.NoError(t, again.WaitForSync(ctx))
	c.Stop()
	assert.True(t, errors.Is(again.WaitForSync(ctx), cache.ErrStopped))
	_, err := Inform[*appsv1.Deployment](ctx, c, cs.scheme, InformerOptions{})
	assert.ErrorIs(t, err, cache.ErrStopped)
}

func namesOf(ds []*appsv1.Deployment) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

// typedLog records what a typed handler receives, as "op name".
type typedLog struct {
	mu     sync.Mutex // guards events and objs
	events []string
	objs   map[string]*appsv1.Deployment
}

func (l *typedLog) handler() Handler[*appsv1.Deployment] {
	return Handler[*appsv1.Deployment]{
		OnAdd: func(d *appsv1.Deployment, initial bool) { l.record("add", d) },
		OnUpdate: func(old, d *appsv1.Deployment) {
			if old.ResourceVersion != d.ResourceVersion {
				l.record("update", d)
			}
		},
		OnDelete: func(d *appsv1.Deployment) { l.record("delete", d) },
	}
}

func (l *typedLog) record(op string, d *appsv1.Deployment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := op + " " + d.Name
	l.events = append(l.events, e)
	if l.objs == nil {
		l.objs = map[string]*appsv1.Deployment{}
	}
	l.objs[e] = d
}

func (l *typedLog) waitFor(t *testing.T, events ...string) {
	t.Helper()
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, e := range events {
			if _, ok := l.objs[e]; !ok {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "events %v", events)
}

// sorted returns the events with the first n (the initial adds, in no
// particular order) sorted.
func (l *typedLog) sorted(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.events...)
	sort.Strings(out[:min(n, len(out))])
	return out
}

func (l *typedLog) last(event string) *appsv1.Deployment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.objs[event]
}
