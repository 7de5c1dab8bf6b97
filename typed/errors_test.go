package typed

import (
	"context"
	"testing"

	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestForErrors: For refuses types it cannot serve, before any request.
func TestForErrors(t *testing.T) {
	rc, err := rest.NewClient(&rest.Config{Host: "http://127.0.0.1:1"})
	require.NoError(t, err)
	mapper := meta.NewDefaultRESTMapper(nil)
	twice := runtime.NewScheme()
	twice.AddKnownTypes(schema.GroupVersion{Group: "a.example.com", Version: "v1"}, &Widget{})
	twice.AddKnownTypes(schema.GroupVersion{Group: "b.example.com", Version: "v1"}, &Widget{})

	_, err = For[*batchv1.Job, *batchv1.JobList](New(rc, mapper, testScheme(t), Options{}))
	assert.True(t, runtime.IsNotRegisteredError(err), "a type the scheme does not know: %v", err)

	_, err = For[*appsv1.Deployment, *appsv1.ReplicaSetList](New(rc, mapper, testScheme(t), Options{}))
	assert.ErrorContains(t, err, "*v1.ReplicaSetList is not the list type of *v1.Deployment")

	_, err = For[*Widget, *WidgetList](New(rc, mapper, twice, Options{}))
	assert.ErrorContains(t, err, "registered as 2 kinds")

	_, err = For[*metav1.Status, *metav1.List](New(rc, mapper, testScheme(t), Options{}))
	assert.Error(t, err, "metav1.Status is not a resource's type")

	for name, cs := range map[string]*Clientset{
		"nil": nil, "no rest client": New(nil, mapper, testScheme(t), Options{}),
		"no mapper": New(rc, nil, testScheme(t), Options{}), "no scheme": New(rc, mapper, nil, Options{}),
	} {
		_, err := For[*appsv1.Deployment, *appsv1.DeploymentList](cs)
		assert.Error(t, err, name)
	}
}

// TestCallErrors: calls the kind or its scope rule out fail before any
// request, with errors that say why.
func TestCallErrors(t *testing.T) {
	ctx := context.Background()
	rc, err := rest.NewClient(&rest.Config{Host: "http://127.0.0.1:1", MaxRetries: -1})
	require.NoError(t, err)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("Deployment"), meta.RESTScopeNamespace)
	mapper.Add(corev1.SchemeGroupVersion.WithKind("Namespace"), meta.RESTScopeRoot)
	cs := New(rc, mapper, testScheme(t), Options{})
	deploys := forDeployments(t, cs)
	namespaces, err := For[*corev1.Namespace, *corev1.NamespaceList](cs)
	require.NoError(t, err)

	_, err = forWidgets(t, cs).Namespace("default").Get(ctx, "w", metav1.GetOptions{})
	assert.True(t, meta.IsNoMatchError(err), "a kind the server does not serve: %v", err)
	assert.ErrorContains(t, err, "typed: Widget:")

	_, err = namespaces.Namespace("default").Get(ctx, "kube-system", metav1.GetOptions{})
	assert.ErrorContains(t, err, `Namespace is cluster-scoped, but namespace "default" was given`)
	_, err = deploys.Get(ctx, "web", metav1.GetOptions{})
	assert.ErrorContains(t, err, `Deployment "web" is namespaced: a namespace is required`)
	_, err = deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
	assert.ErrorContains(t, err, "Deployment is namespaced: a namespace is required")

	inNS := deploys.Namespace("default")
	_, err = inNS.Get(ctx, "", metav1.GetOptions{})
	assert.ErrorContains(t, err, "name is required to get")
	_, err = inNS.Create(ctx, nil, metav1.CreateOptions{})
	assert.ErrorContains(t, err, "create: nil Deployment")
	_, err = inNS.Update(ctx, deployment("", 1), metav1.UpdateOptions{})
	assert.ErrorContains(t, err, "name is required to update")
	_, err = inNS.Patch(ctx, "", "application/merge-patch+json", nil, metav1.PatchOptions{})
	assert.ErrorContains(t, err, "name is required to patch")
	assert.ErrorContains(t, inNS.Delete(ctx, "", metav1.DeleteOptions{}), "name is required to delete")

	_, err = inNS.Apply(ctx, nil, metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "nil apply configuration")
	_, err = inNS.Apply(ctx, rawConfiguration(`{"metadata":{"name":"web"}}`), metav1.ApplyOptions{})
	assert.ErrorContains(t, err, "FieldManager is required")
	_, err = inNS.Apply(ctx, rawConfiguration(`{"spec":{}}`), metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "no metadata.name")
	_, err = inNS.Apply(ctx, rawConfiguration(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}`), metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "the apply configuration is a v1 Pod")
	_, err = inNS.Apply(ctx, rawConfiguration(`[1]`), metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "not a JSON object")
	_, err = inNS.Apply(ctx, rawConfiguration(`{"metadata":{"name":"web","managedFields":[]}}`), metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "managedFields must not be set")
	_, err = inNS.Apply(ctx, ApplyConfigurationOf(nil), metav1.ApplyOptions{FieldManager: "m"})
	assert.ErrorContains(t, err, "nil object")
}
