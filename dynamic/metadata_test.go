package dynamic

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

var widgets = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}

const protobufCT = "application/vnd.kubernetes.protobuf"

// contentTypes records the Content-Type of every response, by method and path.
type contentTypes struct {
	base http.RoundTripper
	mu   sync.Mutex // guards seen
	seen []string
}

func (c *contentTypes) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil {
		c.mu.Lock()
		c.seen = append(c.seen, req.Method+" "+resp.Header.Get("Content-Type"))
		c.mu.Unlock()
	}
	return resp, err
}

func (c *contentTypes) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

// newMetadataFixture serves the recorded kubernetes-1.36-dev cluster with
// the widgets CRD installed and returns a dynamic Client for it and the
// record of its responses' Content-Types.
func newMetadataFixture(t *testing.T) (*Client, *contentTypes) {
	t.Helper()
	cluster, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "kubernetes-1.36-dev"))
	require.NoError(t, err)
	srv := fixture.NewServer(cluster)
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.WarningHandler = rest.NoWarnings{}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	seen := &contentTypes{base: base}
	cfg.Transport = seen
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	c := New(rc)
	_, err = c.Resource(crds).Create(context.Background(), widgetCRD(), metav1.CreateOptions{})
	require.NoError(t, err)
	seen.take()
	return c, seen
}

func widgetObject(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": name, "namespace": "default", "labels": map[string]any{"app": "web"}},
		"spec":     map[string]any{"size": int64(3)},
	}}
}

// TestMetadataFixture runs every verb of the metadata-only mode against the
// fixture server, for a built-in kind and a custom resource: each answer is
// protobuf, and says what the full objects say about their metadata.
func TestMetadataFixture(t *testing.T) {
	for _, tc := range []struct {
		gvr schema.GroupVersionResource
		obj func(name string) *unstructured.Unstructured
	}{
		{configMaps, func(name string) *unstructured.Unstructured { return configMap(name, map[string]any{"k": "v"}) }},
		{widgets, widgetObject},
	} {
		t.Run(tc.gvr.Resource, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, seen := newMetadataFixture(t)
			full := c.Resource(tc.gvr).Namespace("default")
			md := c.Metadata().Resource(tc.gvr).Namespace("default")
			for _, name := range []string{"a", "b", "c"} {
				_, err := full.Create(ctx, tc.obj(name), metav1.CreateOptions{})
				require.NoError(t, err)
			}
			a, err := full.Get(ctx, "a", metav1.GetOptions{})
			require.NoError(t, err)
			seen.take()
			got, err := md.Get(ctx, "a", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, metav1.TypeMeta{}, got.TypeMeta)
			assert.Equal(t, objectMeta(t, a), got.ObjectMeta)

			list, err := md.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			require.NoError(t, err)
			require.Len(t, list.Items, 3)
			assert.Equal(t, metav1.TypeMeta{}, list.TypeMeta)
			assert.NotEmpty(t, list.ResourceVersion)
			assert.Equal(t, objectMeta(t, a), list.Items[0].ObjectMeta)

			patched, err := md.Patch(ctx, "a", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"1"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Equal(t, "1", patched.Labels["tier"])

			var names []string
			for obj, err := range md.All(ctx, metav1.ListOptions{Limit: 2}) {
				require.NoError(t, err)
				names = append(names, obj.Name)
			}
			assert.Equal(t, []string{"a", "b", "c"}, names)
			for _, ct := range seen.take() {
				assert.Contains(t, []string{"GET " + protobufCT, "PATCH " + protobufCT}, ct, "every answer is protobuf")
			}

			w, err := md.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			require.NoError(t, err)
			defer w.Stop()
			require.NoError(t, md.Delete(ctx, "b", metav1.DeleteOptions{}))
			ev := <-w.ResultChan()
			require.Equal(t, watch.Modified, ev.Type, "%v", ev.Object) // the patch of a
			ev = <-w.ResultChan()
			require.Equal(t, watch.Deleted, ev.Type, "%v", ev.Object)
			deleted := ev.Object.(*metav1.PartialObjectMetadata)
			assert.Equal(t, "b", deleted.Name)
			assert.Equal(t, metav1.TypeMeta{}, deleted.TypeMeta)

			require.NoError(t, md.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "tier=1"}))
			_, err = md.Get(ctx, "a", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "%v", err)
			left, err := md.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			require.Len(t, left.Items, 1)
			assert.Equal(t, "c", left.Items[0].Name)
		})
	}
}

// objectMeta is the ObjectMeta of a full object, for comparisons.
func objectMeta(t *testing.T, u *unstructured.Unstructured) metav1.ObjectMeta {
	t.Helper()
	m := meta.AsPartialObjectMetadata(u).ObjectMeta
	// Unstructured's accessors give empty maps and slices where the
	// decoded protobuf has none.
	if len(m.Annotations) == 0 {
		m.Annotations = nil
	}
	return m
}

// TestMetadataMapped reaches kinds through a RESTMapper, with their scope
// checked before any request.
func TestMetadataMapped(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "unexpected", http.StatusTeapot)
	}, Options{})
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Node"}, meta.RESTScopeRoot)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, meta.RESTScopeNamespace)
	m := NewMapped(c, mapper)

	nodes, err := m.MetadataForKind(ctx, schema.GroupVersionKind{Version: "v1", Kind: "Node"})
	require.NoError(t, err)
	_, err = nodes.Namespace("x").Get(ctx, "n", metav1.GetOptions{})
	assert.ErrorContains(t, err, "cluster-scoped")
	pods, err := m.MetadataForKind(ctx, schema.GroupVersionKind{Version: "v1", Kind: "Pod"})
	require.NoError(t, err)
	_, err = pods.Get(ctx, "p", metav1.GetOptions{})
	assert.ErrorContains(t, err, "namespace is required")
	assert.Zero(t, requests.Load())

	_, err = m.MetadataForKind(ctx, schema.GroupVersionKind{Version: "v1", Kind: "Nope"})
	assert.True(t, meta.IsNoMatchError(err), "%v", err)
}
