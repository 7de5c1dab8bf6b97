package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/restmapper"
)

func TestMapperBaseCRDs(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	m := restmapper.New(dc, restmapper.Options{})

	mapping, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "stable.kdyn.dev", Kind: "Widget"})
	require.NoError(t, err)
	assert.Equal(t, widgetsV1, mapping.Resource, "v1 is the preferred version")
	assert.Equal(t, meta.RESTScopeNameNamespace, mapping.Scope.Name())
	assert.Len(t, count.take(), 2, "aggregated discovery: /api and /apis")

	mapping, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "stable.kdyn.dev", Kind: "Widget"}, "v1beta1")
	require.NoError(t, err)
	assert.Equal(t, widgetsV1beta1, mapping.Resource)

	mapping, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "platform.kdyn.dev", Kind: "Tenant"})
	require.NoError(t, err)
	assert.Equal(t, meta.RESTScopeNameRoot, mapping.Scope.Name())

	for _, name := range []string{"widget", "widgets"} {
		gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: name})
		require.NoError(t, err, name)
		assert.Equal(t, widgetsV1, gvr, name)
	}
	gvk, err := m.KindForWithContext(ctx, schema.GroupVersionResource{Resource: "tenants"})
	require.NoError(t, err)
	assert.Equal(t, schema.GroupVersionKind{Group: "platform.kdyn.dev", Version: "v1", Kind: "Tenant"}, gvk)
	assert.Empty(t, count.take(), "lookups of known kinds are answered from memory")
}

// TestMapperCRDInstalledDuringTest: a kind unknown to the mapper resolves on
// the next lookup once its CRD is installed, at the cost of revalidating the
// discovery roots.
func TestMapperCRDInstalledDuringTest(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	// No backoff worth the name: the lookup right after the install must refresh.
	m := restmapper.New(dc, restmapper.Options{MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond})
	gizmo := schema.GroupKind{Group: "late.kdyn.dev", Kind: "Gizmo"}

	_, err = m.RESTMappingWithContext(ctx, gizmo)
	require.Error(t, err)
	assert.True(t, meta.IsNoMatchError(err), "%v", err)
	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deployment"})
	require.NoError(t, err)
	count.take()

	crd := gizmoCRD()
	require.NoError(t, installCRD(ctx, srv.ClientGoConfig(), crd))
	t.Cleanup(func() { assert.NoError(t, deleteCRD(context.Background(), srv.ClientGoConfig(), crd.GetName())) })

	mapping, err := m.RESTMappingWithContext(ctx, gizmo)
	require.NoError(t, err)
	assert.Equal(t, schema.GroupVersionResource{Group: "late.kdyn.dev", Version: "v1", Resource: "gizmos"}, mapping.Resource)
	reqs := count.take()
	assert.Equal(t, []string{"GET /api", "GET /apis"}, paths(reqs), "%v", reqs)

	_, err = m.RESTMappingWithContext(ctx, gizmo)
	require.NoError(t, err)
	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deployment"})
	require.NoError(t, err)
	assert.Empty(t, count.take())
}

func gizmoCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "gizmos.late.kdyn.dev"},
		"spec": map[string]any{
			"group": "late.kdyn.dev",
			"scope": "Namespaced",
			"names": map[string]any{"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}
