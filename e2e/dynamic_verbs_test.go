package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/restmapper"
)

// TestDynamicBuiltinVerbs runs every verb on apps/v1 Deployments.
func TestDynamicBuiltinVerbs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-builtin")
	dyn, _ := newDynamic(t, dynamic.Options{})
	deploys := dyn.Resource(deploymentsV1).Namespace(ns)

	created, err := deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, created.GetUID())
	assert.Equal(t, int64(1), nested[int64](t, created, "spec", "replicas"))

	got, err := deploys.Get(ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, created.GetResourceVersion(), got.GetResourceVersion())

	_, err = deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
	assert.True(t, apierrors.IsAlreadyExists(err), "%v", err)
	_, err = deploys.Get(ctx, "nope", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	got.SetLabels(map[string]string{"app": "web", "tier": "front"})
	updated, err := deploys.Update(ctx, got, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "front", updated.GetLabels()["tier"])
	_, err = deploys.Update(ctx, got, metav1.UpdateOptions{}) // stale resourceVersion
	assert.True(t, apierrors.IsConflict(err), "%v", err)

	require.NoError(t, unstructured.SetNestedField(updated.Object, updated.GetGeneration(), "status", "observedGeneration"))
	status, err := deploys.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, updated.GetGeneration(), nested[int64](t, status, "status", "observedGeneration"))

	// JSON patch, merge patch, strategic merge patch.
	p, err := deploys.Patch(ctx, "web", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/replicas","value":3}]`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(3), nested[int64](t, p, "spec", "replicas"))
	p, err = deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"annotations":{"merge":"yes"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "yes", p.GetAnnotations()["merge"])
	p, err = deploys.Patch(ctx, "web", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:3.11"}]}}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	containers := nested[[]any](t, p, "spec", "template", "spec", "containers")
	require.Len(t, containers, 2, "a strategic merge patch merges containers by name")
	assert.Equal(t, "registry.k8s.io/pause:3.11", containers[0].(map[string]any)["image"])

	// The scale subresource.
	scale, err := deploys.Get(ctx, "web", metav1.GetOptions{}, "scale")
	require.NoError(t, err)
	assert.Equal(t, "Scale", scale.GetKind())
	assert.Equal(t, int64(3), nested[int64](t, scale, "spec", "replicas"))
	require.NoError(t, unstructured.SetNestedField(scale.Object, int64(5), "spec", "replicas"))
	_, err = deploys.Update(ctx, scale, metav1.UpdateOptions{}, "scale")
	require.NoError(t, err)
	got, err = deploys.Get(ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(5), nested[int64](t, got, "spec", "replicas"))

	// Server-side apply.
	applied, err := deploys.Apply(ctx, "api", deployment("api", 2), metav1.ApplyOptions{FieldManager: "e2e"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), nested[int64](t, applied, "spec", "replicas"))

	list, err := deploys.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"web", "api"}, names(list))
	list, err = dyn.Resource(deploymentsV1).List(ctx, metav1.ListOptions{LabelSelector: "app=api"})
	require.NoError(t, err)
	assert.Equal(t, []string{"api"}, names(list), "all namespaces, by label")

	require.NoError(t, deploys.Delete(ctx, "web", metav1.DeleteOptions{}))
	_, err = deploys.Get(ctx, "web", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
	assert.True(t, apierrors.IsNotFound(deploys.Delete(ctx, "web", metav1.DeleteOptions{})))
	require.NoError(t, deploys.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=api"}))
	list, err = deploys.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)
}

// TestDynamicCustomResourceVerbs runs every verb on a CR with status and
// scale subresources, in both served versions.
func TestDynamicCustomResourceVerbs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-cr")
	dyn, _ := newDynamic(t, dynamic.Options{})
	widgets := dyn.Resource(widgetsV1).Namespace(ns)

	created, err := widgets.Create(ctx, widget("stable.kdyn.dev/v1", "w1", 1, "red"), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "red", nested[string](t, created, "spec", "color"))

	beta, err := dyn.Resource(widgetsV1beta1).Namespace(ns).Get(ctx, "w1", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "stable.kdyn.dev/v1beta1", beta.GetAPIVersion(), "served in the version asked for")
	assert.Equal(t, created.GetUID(), beta.GetUID())

	// Status: the main resource ignores status, the subresource ignores spec.
	require.NoError(t, unstructured.SetNestedMap(created.Object, map[string]any{"replicas": int64(1), "selector": "kind=widget", "phase": "Ready"}, "status"))
	created.Object["spec"].(map[string]any)["color"] = "green"
	status, err := widgets.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Ready", nested[string](t, status, "status", "phase"))
	assert.Equal(t, "red", nested[string](t, status, "spec", "color"))
	status, err = widgets.Get(ctx, "w1", metav1.GetOptions{}, "status")
	require.NoError(t, err)
	assert.Equal(t, "Ready", nested[string](t, status, "status", "phase"))

	applied, err := widgets.ApplyStatus(ctx, "w1", &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.kdyn.dev/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w1"},
		"status":   map[string]any{"phase": "Degraded"},
	}}, metav1.ApplyOptions{FieldManager: "status-writer", Force: true})
	require.NoError(t, err)
	assert.Equal(t, "Degraded", nested[string](t, applied, "status", "phase"))

	// Scale maps onto .spec.replicas, .status.replicas and .status.selector.
	scale, err := widgets.Get(ctx, "w1", metav1.GetOptions{}, "scale")
	require.NoError(t, err)
	assert.Equal(t, "autoscaling/v1", scale.GetAPIVersion())
	assert.Equal(t, int64(1), nested[int64](t, scale, "spec", "replicas"))
	assert.Equal(t, "kind=widget", nested[string](t, scale, "status", "selector"))
	require.NoError(t, unstructured.SetNestedField(scale.Object, int64(4), "spec", "replicas"))
	_, err = widgets.Update(ctx, scale, metav1.UpdateOptions{}, "scale")
	require.NoError(t, err)
	_, err = widgets.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"replicas":6}}`), metav1.PatchOptions{}, "scale")
	require.NoError(t, err)
	got, err := widgets.Get(ctx, "w1", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(6), nested[int64](t, got, "spec", "replicas"))

	// Patches: JSON and merge work, strategic merge is refused with 415.
	p, err := widgets.Patch(ctx, "w1", types.JSONPatchType, []byte(`[{"op":"add","path":"/spec/size","value":"L"}]`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "L", nested[string](t, p, "spec", "size"))
	p, err = widgets.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"size":null}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	_, found, _ := unstructured.NestedString(p.Object, "spec", "size")
	assert.False(t, found)
	_, err = widgets.Patch(ctx, "w1", types.StrategicMergePatchType, []byte(`{"spec":{"color":"blue"}}`), metav1.PatchOptions{})
	require.Error(t, err)
	assert.True(t, apierrors.IsUnsupportedMediaType(err), "%v", err)

	// Update, list, delete.
	p.Object["spec"].(map[string]any)["color"] = "yellow"
	updated, err := widgets.Update(ctx, p, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "yellow", nested[string](t, updated, "spec", "color"))
	_, err = widgets.Create(ctx, widget("stable.kdyn.dev/v1", "w2", 0, "red"), metav1.CreateOptions{})
	require.NoError(t, err)
	list, err := widgets.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "w2"}, names(list))
	assert.Equal(t, "WidgetList", list.GetKind())

	tenants := dyn.Resource(tenantsV1)
	_, err = tenants.Create(ctx, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "platform.kdyn.dev/v1", "kind": "Tenant",
		"metadata": map[string]any{"name": "acme"}, "spec": map[string]any{"owner": "ops"},
	}}, metav1.CreateOptions{})
	require.NoError(t, err)
	tn, err := tenants.Get(ctx, "acme", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Empty(t, tn.GetNamespace(), "cluster-scoped")
	require.NoError(t, tenants.Delete(ctx, "acme", metav1.DeleteOptions{}))

	require.NoError(t, widgets.Delete(ctx, "w1", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)}))
	require.NoError(t, widgets.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}))
	list, err = widgets.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)
}

// TestDynamicApplyConflict: two field managers apply the same field; the
// second conflicts until it forces, and then owns the field.
func TestDynamicApplyConflict(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-apply")
	dyn, _ := newDynamic(t, dynamic.Options{})
	widgets := dyn.Resource(widgetsV1).Namespace(ns)

	_, err := widgets.Apply(ctx, "shared", widget("stable.kdyn.dev/v1", "shared", 1, "red"), metav1.ApplyOptions{FieldManager: "alice"})
	require.NoError(t, err)
	_, err = widgets.Apply(ctx, "shared", widget("stable.kdyn.dev/v1", "shared", 1, "blue"), metav1.ApplyOptions{FieldManager: "bob"})
	require.Error(t, err)
	assert.True(t, apierrors.IsConflict(err), "%v", err)
	var status apierrors.APIStatus
	require.ErrorAs(t, err, &status)
	require.NotNil(t, status.Status().Details)
	assert.NotEmpty(t, status.Status().Details.Causes, "the conflicting fields are named")

	forced, err := widgets.Apply(ctx, "shared", widget("stable.kdyn.dev/v1", "shared", 1, "blue"), metav1.ApplyOptions{FieldManager: "bob", Force: true})
	require.NoError(t, err)
	assert.Equal(t, "blue", nested[string](t, forced, "spec", "color"))
	managers := map[string]bool{}
	for _, mf := range forced.GetManagedFields() {
		managers[mf.Manager] = true
	}
	assert.Equal(t, map[string]bool{"alice": true, "bob": true}, managers, "alice keeps replicas, bob took color")

	// Dry run changes nothing.
	_, err = widgets.Apply(ctx, "shared", widget("stable.kdyn.dev/v1", "shared", 1, "black"),
		metav1.ApplyOptions{FieldManager: "bob", DryRun: []string{metav1.DryRunAll}})
	require.NoError(t, err)
	got, err := widgets.Get(ctx, "shared", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "blue", nested[string](t, got, "spec", "color"))
}

// TestDynamicMapped reaches resources by kind through kdyn's mapper.
func TestDynamicMapped(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-mapped")
	cfg, _ := countedConfig(t)
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	dyn, _ := newDynamic(t, dynamic.Options{})
	mapped := dynamic.NewMapped(dyn, restmapper.New(dc, restmapper.Options{}))

	widgets, err := mapped.ForKind(ctx, schema.GroupVersionKind{Group: "stable.kdyn.dev", Kind: "Widget"})
	require.NoError(t, err)
	_, err = widgets.Namespace(ns).Create(ctx, widget("stable.kdyn.dev/v1", "m1", 1, "red"), metav1.CreateOptions{})
	require.NoError(t, err)

	obj := configMap("from-object", map[string]any{"k": "v"})
	obj.SetNamespace(ns)
	ri, err := mapped.ForObject(ctx, obj)
	require.NoError(t, err)
	_, err = ri.Create(ctx, obj, metav1.CreateOptions{})
	require.NoError(t, err)

	tenants, err := mapped.ForKind(ctx, schema.GroupVersionKind{Group: "platform.kdyn.dev", Version: "v1", Kind: "Tenant"})
	require.NoError(t, err)
	_, err = tenants.Namespace(ns).Get(ctx, "x", metav1.GetOptions{})
	assert.Error(t, err, "a namespace on a cluster-scoped kind fails before any request")

	_, err = mapped.ForKind(ctx, schema.GroupVersionKind{Group: "no.such", Kind: "Thing"})
	assert.Error(t, err)
}
