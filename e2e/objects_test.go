package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/rest"
)

var (
	deploymentsV1  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	configMapsV1   = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	podTemplatesV1 = schema.GroupVersionResource{Version: "v1", Resource: "podtemplates"}
)

// newNamespace creates a namespace for one test, named prefix-<random>, so
// that tests can run with -count. Namespaces are not deleted: no controller
// manager runs, so they would stay Terminating anyway.
func newNamespace(t *testing.T, s *harness.Server, prefix string) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(s.ClientGoConfig())
	require.NoError(t, err)
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return ns.Name
}

// newDynamic returns a kdyn dynamic client for srv and the counter of its requests.
func newDynamic(t *testing.T, opts dynamic.Options) (*dynamic.Client, *counter) {
	t.Helper()
	return newDynamicFor(t, srv, opts)
}

func newDynamicFor(t *testing.T, s *harness.Server, opts dynamic.Options) (*dynamic.Client, *counter) {
	t.Helper()
	cfg, count := countedConfigFor(t, s)
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return dynamic.NewWithOptions(rc, opts), count
}

func deployment(name string, replicas int64) *unstructured.Unstructured {
	labels := map[string]any{"app": name}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{"app": name}},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"containers": []any{
					map[string]any{"name": "app", "image": "registry.k8s.io/pause:3.10"},
					map[string]any{"name": "sidecar", "image": "registry.k8s.io/pause:3.10"},
				}},
			},
		},
	}}
}

func widget(apiVersion, name string, replicas int64, color string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       "Widget",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{"kind": "widget"}},
		"spec":       map[string]any{"replicas": replicas, "color": color},
	}}
}

func configMap(name string, data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{"e2e": "yes"}},
		"data":       data,
	}}
}

func podTemplate(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "PodTemplate",
		"metadata":   map[string]any{"name": name},
		"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "app", "image": "registry.k8s.io/pause:3.10"},
		}}},
	}}
}

func ptr[T any](v T) *T { return &v }

func nested[T any](t *testing.T, obj *unstructured.Unstructured, fields ...string) T {
	t.Helper()
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	require.NoError(t, err)
	require.True(t, found, "%v not in %v", fields, obj.Object)
	out, ok := v.(T)
	require.True(t, ok, "%v is %T", fields, v)
	return out
}

func names(list *unstructured.UnstructuredList) []string {
	out := []string{}
	for _, o := range list.Items {
		out = append(out, o.GetName())
	}
	return out
}
