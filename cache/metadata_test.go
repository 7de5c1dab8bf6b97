package cache_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
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
	"github.com/kdyn/kdyn/fixture"
)

// TestMetadataInformerSync syncs 120 widgets with labels, annotations,
// owners and finalizers, by WatchList and by paged lists, in both forms of
// metadata-only informer; the store equals a fresh metadata List field for
// field; then it follows creates, label and annotation changes, and a
// delete held by a finalizer.
func TestMetadataInformerSync(t *testing.T) {
	bothForms(t, testMetadataSync[*metav1.PartialObjectMetadata], testMetadataSync[*unstructured.Unstructured])
}

func testMetadataSync[T cache.Object](t *testing.T, ask askFor[T]) {
	for name, opts := range map[string]cache.Options{
		"watchlist":  fastOptions,
		"paged list": {DisableWatchList: true, PageSize: 25, MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts)
			e.installCRD(t)
			e.namespaces(t, "a", "b")
			owners := map[string]*unstructured.Unstructured{"a": e.owner(t, "a"), "b": e.owner(t, "b")}
			e.createRich(t, 120, owners, "a", "b")
			ctx := ctxFor(t, 30*time.Second)

			inf, err := ask(e.cache, ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			rec := newRecorder()
			inf.AddHandler(handlerOf[T](rec))
			require.NoError(t, inf.AddIndex("owner", func(obj T) []string {
				_, om := metaOf(t, obj)
				var out []string
				for _, o := range om.OwnerReferences {
					out = append(out, o.Name)
				}
				return out
			}))
			require.NoError(t, inf.WaitForSync(ctx))
			assert.Equal(t, cache.Synced, inf.State())

			all := e.widgetMetadata("")
			want := convergeMetadata(t, inf, all, "", false, widgetMeta)
			assert.Len(t, want, 120)
			drained(t, inf)
			rec.check(t, rvs(want))
			initial, adds, _, _ := rec.counts()
			assert.Equal(t, []int{120, 120}, []int{initial, adds})

			st := inf.Stats()
			assert.Equal(t, 120, st.Objects)
			assert.Equal(t, name == "watchlist", st.WatchList)
			assert.Equal(t, []uint64{1, 0}, []uint64{st.Syncs, st.Relists})
			assert.Equal(t, widgetGVR, st.Resource)
			assert.NoError(t, st.LastError)

			got, ok := inf.Get("b", "w0001")
			require.True(t, ok)
			_, om := metaOf(t, got)
			assert.Equal(t, "w0001", om.Labels["instance"])
			assert.Nil(t, om.ManagedFields, "managedFields are dropped by default")
			assert.Equal(t, 40, len(inf.List(labels.SelectorFromSet(labels.Set{"tier": "db"}))))
			assert.Equal(t, 60, len(inf.ByIndex(cache.NamespaceIndex, "a")))
			assert.Equal(t, 120, len(inf.ByIndex("owner", "owner")))
			assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = inf.Get("a", "w0042") }))
			assert.Equal(t, 1.0, testing.AllocsPerRun(50, func() { _ = inf.List(nil) }))

			// Changes: a create, a relabel, a new annotation, and the delete
			// of an object with a finalizer: first an update that sets its
			// deletionTimestamp, then, once the finalizer is removed, a delete.
			a := e.widgets("a")
			_, err = a.Create(ctx, richWidget("a", "new", 1, owners["a"]), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = a.Patch(ctx, "w0002", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"web"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			_, err = e.widgets("b").Patch(ctx, "w0003", types.MergePatchType, []byte(`{"metadata":{"annotations":{"example.com/extra":"yes"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.NoError(t, a.Delete(ctx, "w0000", metav1.DeleteOptions{}))
			convergeMetadata(t, inf, all, "", false, widgetMeta)
			got, _ = inf.Get("a", "w0000")
			_, om = metaOf(t, got)
			assert.NotNil(t, om.DeletionTimestamp, "held by its finalizer")
			_, err = a.Patch(ctx, "w0000", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			want = convergeMetadata(t, inf, all, "", false, widgetMeta)
			drained(t, inf)
			rec.check(t, rvs(want))
			_, adds, updates, deletes := rec.counts()
			assert.Equal(t, []int{121, 3, 1}, []int{adds, updates, deletes}, "the finalizer's removal deletes at once")
			// w0002 became a web widget, w0000 (web) was deleted.
			assert.Equal(t, 40, len(inf.List(labels.SelectorFromSet(labels.Set{"tier": "web"}))))
			assert.Equal(t, 120, len(inf.ByIndex("owner", "owner")))
		})
	}
}

// TestMetadataInformerSeparate: a metadata-only informer is its own: not
// the Informer of whole objects of the same kind, nor the other form,
// nor one that keeps managedFields; asking again returns the same one.
func TestMetadataInformerSeparate(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 3, "default")
	ctx := ctxFor(t, 30*time.Second)

	whole, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	asObjects, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{MetadataOnly: true})
	require.NoError(t, err)
	typed, err := e.cache.MetadataInformer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	typedMF, err := e.cache.MetadataInformer(ctx, widgetGVK, cache.InformerOptions{KeepManagedFields: true})
	require.NoError(t, err)
	assert.NotSame(t, whole, asObjects)
	assert.NotSame(t, typed, typedMF)

	again, err := e.cache.MetadataInformer(ctx, widgetGVK, cache.InformerOptions{MetadataOnly: true})
	require.NoError(t, err)
	assert.Same(t, typed, again, "MetadataOnly is implied")
	againObjects, err := e.cache.Informer(ctx, widgetGVK.GroupKind().WithVersion(""), cache.InformerOptions{MetadataOnly: true})
	require.NoError(t, err)
	assert.Same(t, asObjects, againObjects)
	require.NoError(t, e.cache.WaitForSync(ctx))

	w, _ := whole.Get("default", "w0001")
	assert.Contains(t, w.Object, "spec")
	m, _ := asObjects.Get("default", "w0001")
	assert.ElementsMatch(t, []string{"apiVersion", "kind", "metadata"}, keysOf(m.Object))
	assert.Equal(t, w.Object["metadata"], m.Object["metadata"], "the metadata of the whole object, as the server writes it")
	p, _ := typed.Get("default", "w0001")
	assert.Equal(t, widgetMeta, p.TypeMeta)
	assert.Nil(t, p.ManagedFields)
	pmf, _ := typedMF.Get("default", "w0001")
	assert.NotEmpty(t, pmf.ManagedFields)

	typed.Stop()
	assert.Equal(t, cache.Synced, asObjects.State(), "stopping one form leaves the other")
	assert.Equal(t, cache.Synced, whole.State())

	_, err = e.cache.MetadataInformer(ctx, widgetGVK, cache.InformerOptions{Transform: func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) { return u, nil }})
	var oe *cache.OptionError
	require.True(t, errors.As(err, &oe), "%v", err)
	assert.Equal(t, "Transform", oe.Field)
	_, err = e.cache.MetadataInformer(ctx, namespaceGVK, cache.InformerOptions{Namespace: "default"})
	require.True(t, errors.As(err, &oe), "%v", err)
	assert.Equal(t, "Namespace", oe.Field)
}

// TestMetadataInformerTransform: an Informer with MetadataOnly takes a
// Transform of its unstructured objects.
func TestMetadataInformerTransform(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createRich(t, 4, nil, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{MetadataOnly: true,
		Transform: func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
			u.SetAnnotations(nil)
			return u, nil
		}})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	got, ok := inf.Get("default", "w0001")
	require.True(t, ok)
	assert.Nil(t, got.GetAnnotations())
	assert.Equal(t, "w0001", got.GetLabels()["instance"])
}

// TestMetadataInformerManagedFields: with KeepManagedFields the store
// equals a fresh List, managedFields included.
func TestMetadataInformerManagedFields(t *testing.T) {
	bothForms(t, testMetadataManagedFields[*metav1.PartialObjectMetadata], testMetadataManagedFields[*unstructured.Unstructured])
}

func testMetadataManagedFields[T cache.Object](t *testing.T, ask askFor[T]) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createRich(t, 12, nil, "default")
	ctx := ctxFor(t, 30*time.Second)
	_, err := e.widgets("default").Patch(ctx, "w0003", types.MergePatchType, []byte(`{"metadata":{"labels":{"by":"other"}}}`),
		metav1.PatchOptions{FieldManager: "other"})
	require.NoError(t, err)
	inf, err := ask(e.cache, ctx, widgetGVK, cache.InformerOptions{KeepManagedFields: true})
	require.NoError(t, err)
	require.NoError(t, inf.WaitForSync(ctx))
	want := convergeMetadata(t, inf, e.widgetMetadata(""), "", true, widgetMeta)
	assert.Len(t, want["default/w0003"].ManagedFields, 2)
}

var (
	secretGVK = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	secretGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

// TestMetadataSecrets: on the recording of a real kube-apiserver v1.37, a
// metadata-only informer of Secrets holds their metadata and nothing of
// their data, equal to a fresh metadata List, and follows a change of
// data (a new resourceVersion) and a delete.
func TestMetadataSecrets(t *testing.T) {
	c, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "k8s-1.37"))
	require.NoError(t, err)
	srv := fixture.NewServer(c)
	t.Cleanup(srv.Close)
	e := newEnvFor(t, srv, srv.URL, fastOptions)
	ctx := ctxFor(t, 30*time.Second)
	secrets := e.dyn.Resource(secretGVR).Namespace("default")
	for i := range 40 {
		s := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": fmt.Sprintf("s%02d", i), "labels": map[string]any{"owner": "helm", "name": "shop"}},
			"type":     "Opaque", "stringData": map[string]any{"password": strings.Repeat("p", 2000)}}}
		_, err := secrets.Create(ctx, s, metav1.CreateOptions{})
		require.NoError(t, err)
	}

	typed, err := e.cache.MetadataInformer(ctx, secretGVK, cache.InformerOptions{Namespace: "default"})
	require.NoError(t, err)
	asObjects, err := e.cache.Informer(ctx, secretGVK, cache.InformerOptions{Namespace: "default", MetadataOnly: true})
	require.NoError(t, err)
	rec := newRecorder()
	typed.AddHandler(handlerOf[*metav1.PartialObjectMetadata](rec))
	require.NoError(t, e.cache.WaitForSync(ctx))
	secretMeta := metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
	fresh := e.dyn.Metadata().Resource(secretGVR).Namespace("default")
	want := convergeMetadata(t, typed, fresh, "", false, secretMeta)
	assert.Len(t, want, 40)
	convergeMetadata(t, asObjects, fresh, "", false, secretMeta)
	a, _ := typed.Get("default", "s01")
	b, _ := typed.Get("default", "s02")
	assert.Equal(t, reflect.ValueOf(a.Labels).Pointer(), reflect.ValueOf(b.Labels).Pointer(), "equal labels are one map")

	_, err = secrets.Patch(ctx, "s01", types.MergePatchType, []byte(`{"stringData":{"password":"new"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.NoError(t, secrets.Delete(ctx, "s02", metav1.DeleteOptions{}))
	want = convergeMetadata(t, typed, fresh, "", false, secretMeta)
	convergeMetadata(t, asObjects, fresh, "", false, secretMeta)
	drained(t, typed)
	rec.check(t, rvs(want))
	_, adds, updates, deletes := rec.counts()
	assert.Equal(t, []int{40, 1, 1}, []int{adds, updates, deletes})
}
