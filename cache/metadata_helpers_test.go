package cache_test

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
)

var configMapGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// askFor asks a Cache for a metadata-only informer of T: the typed
// MetadataInformer, or an Informer with MetadataOnly.
type askFor[T cache.Object] func(c *cache.Cache, ctx context.Context, gvk schema.GroupVersionKind, opts cache.InformerOptions) (*cache.InformerOf[T], error)

func askTyped(c *cache.Cache, ctx context.Context, gvk schema.GroupVersionKind, opts cache.InformerOptions) (*cache.MetadataInformer, error) {
	return c.MetadataInformer(ctx, gvk, opts)
}

func askUnstructured(c *cache.Cache, ctx context.Context, gvk schema.GroupVersionKind, opts cache.InformerOptions) (*cache.Informer, error) {
	opts.MetadataOnly = true
	return c.Informer(ctx, gvk, opts)
}

// bothForms runs a test of metadata-only informers for each form.
func bothForms(t *testing.T, typed func(*testing.T, askFor[*metav1.PartialObjectMetadata]), asObjects func(*testing.T, askFor[*unstructured.Unstructured])) {
	t.Run("MetadataInformer", func(t *testing.T) { typed(t, askTyped) })
	t.Run("Informer with MetadataOnly", func(t *testing.T) { asObjects(t, askUnstructured) })
}

// metaOf returns the TypeMeta and ObjectMeta of what a metadata-only
// informer holds, whatever its form.
func metaOf[T cache.Object](t testing.TB, obj T) (metav1.TypeMeta, metav1.ObjectMeta) {
	t.Helper()
	switch o := any(obj).(type) {
	case *metav1.PartialObjectMetadata:
		return o.TypeMeta, o.ObjectMeta
	case *unstructured.Unstructured:
		assert.ElementsMatch(t, []string{"apiVersion", "kind", "metadata"}, keysOf(o.Object), "metadata only")
		var om metav1.ObjectMeta
		md, _ := o.Object["metadata"].(map[string]any)
		require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(md, &om))
		return metav1.TypeMeta{APIVersion: o.GetAPIVersion(), Kind: o.GetKind()}, om
	}
	t.Fatalf("a %T", obj)
	return metav1.TypeMeta{}, metav1.ObjectMeta{}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// held is what inf holds, by namespace/name, checking that every object
// has the informer's apiVersion and kind.
func held[T cache.Object](t testing.TB, inf *cache.InformerOf[T], want metav1.TypeMeta) map[string]metav1.ObjectMeta {
	t.Helper()
	out := map[string]metav1.ObjectMeta{}
	for _, obj := range inf.List(nil) {
		tm, om := metaOf(t, obj)
		assert.Equal(t, want, tm, "%s/%s", om.Namespace, om.Name)
		out[om.Namespace+"/"+om.Name] = om
	}
	return out
}

// freshMetadata lists what sel selects of r, fresh from the server, as
// ObjectMeta by namespace/name: without managedFields unless kept.
func freshMetadata(r dynamic.MetadataInterface, sel string, keepManagedFields bool) (map[string]metav1.ObjectMeta, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := r.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	out := make(map[string]metav1.ObjectMeta, len(l.Items))
	for _, it := range l.Items {
		if !keepManagedFields {
			it.ManagedFields = nil
		}
		out[it.Namespace+"/"+it.Name] = it.ObjectMeta
	}
	return out, nil
}

// convergeMetadata waits until inf holds what a fresh metadata List of r
// returns, field for field, and returns it.
func convergeMetadata[T cache.Object](t testing.TB, inf *cache.InformerOf[T], r dynamic.MetadataInterface, sel string, keepManagedFields bool, tm metav1.TypeMeta) map[string]metav1.ObjectMeta {
	t.Helper()
	var want map[string]metav1.ObjectMeta
	require.Eventually(t, func() bool {
		var err error
		want, err = freshMetadata(r, sel, keepManagedFields)
		return err == nil && maps.Equal(rvs(want), versions(inf.List(nil)))
	}, 30*time.Second, 50*time.Millisecond, "the informer never converged on the server's state")
	got := held(t, inf, tm)
	for k, w := range want {
		assert.True(t, equality.Semantic.DeepEqual(w, got[k]), "%s differs from a fresh List:\nwant %+v\ngot  %+v", k, w, got[k])
	}
	return want
}

// rvs maps each object's namespace/name to its resourceVersion.
func rvs(m map[string]metav1.ObjectMeta) map[string]string {
	out := make(map[string]string, len(m))
	for k, om := range m {
		out[k] = om.ResourceVersion
	}
	return out
}

// widgetMeta is the TypeMeta of a widget held by a metadata-only informer.
var widgetMeta = metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Widget"}

// owner creates a ConfigMap in ns for widgets to name as their owner.
func (e *env) owner(t testing.TB, ns string) *unstructured.Unstructured {
	t.Helper()
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "owner"}, "data": map[string]any{"k": "v"}}}
	got, err := e.dyn.Resource(configMapGVR).Namespace(ns).Create(ctxFor(t, 10*time.Second), cm, metav1.CreateOptions{})
	require.NoError(t, err)
	return got
}

// richWidget is widget i with the metadata a controller's objects carry:
// an instance label equal to its name, annotations (one long), an owner
// and, for every fifth, a finalizer.
func richWidget(ns, name string, i int, owner *unstructured.Unstructured) *unstructured.Unstructured {
	w := widget(ns, name, i)
	md := w.Object["metadata"].(map[string]any)
	md["labels"].(map[string]any)["instance"] = name
	md["annotations"] = map[string]any{"example.com/revision": strconv.Itoa(i % 4), "example.com/note": strings.Repeat("n", 40)}
	if owner != nil {
		md["ownerReferences"] = []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": owner.GetName(),
			"uid": string(owner.GetUID()), "controller": true}}
	}
	if i%5 == 0 {
		md["finalizers"] = []any{"example.com/keep"}
	}
	return w
}

// createRich creates n rich widgets over the namespaces, each owned by its
// namespace's owner.
func (e *env) createRich(t testing.TB, n int, owners map[string]*unstructured.Unstructured, namespaces ...string) {
	t.Helper()
	ctx := ctxFor(t, time.Minute)
	for i := range n {
		ns := namespaces[i%len(namespaces)]
		_, err := e.widgets(ns).Create(ctx, richWidget(ns, fmt.Sprintf("w%04d", i), i, owners[ns]), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

func (e *env) widgetMetadata(ns string) dynamic.MetadataInterface {
	r := e.dyn.Metadata().Resource(widgetGVR)
	if ns == "" {
		return r
	}
	return r.Namespace(ns)
}
