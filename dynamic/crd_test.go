package dynamic

import (
	"context"
	"testing"
	"time"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/restmapper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var crds = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func widgetCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{
			"group": "example.com", "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}

// TestFixtureCustomResource installs a CRD, finds its kind through kdyn's
// restmapper, and uses the custom resource with CBOR asked for.
func TestFixtureCustomResource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, srv := newFixtureClient(t, Options{CBOR: true})
	_, err := c.Resource(crds).Create(ctx, widgetCRD(), metav1.CreateOptions{})
	require.NoError(t, err)

	d, err := discovery.NewForConfig(srv.Config(), discovery.Options{})
	require.NoError(t, err)
	m := NewMapped(c, restmapper.New(d, restmapper.Options{}))
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w1", "namespace": "default"},
		"spec":     map[string]any{"size": int64(3)},
	}}
	r, err := m.ForObject(ctx, widget)
	require.NoError(t, err)
	created, err := r.Create(ctx, widget, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(3), created.Object["spec"].(map[string]any)["size"])

	_, err = r.Patch(ctx, "w1", types.StrategicMergePatchType, []byte(`{"spec":{"size":4}}`), metav1.PatchOptions{})
	assert.True(t, apierrors.IsUnsupportedMediaType(err), "strategic merge patch of a custom resource: %v", err)
	patched, err := r.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"size":4}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(4), patched.Object["spec"].(map[string]any)["size"])

	patched.Object["status"] = map[string]any{"ready": true}
	st, err := r.UpdateStatus(ctx, patched, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, true, st.Object["status"].(map[string]any)["ready"])

	_, err = m.ForObject(ctx, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": map[string]any{"name": "g"}}})
	assert.True(t, meta.IsNoMatchError(err), "%v", err)
}
