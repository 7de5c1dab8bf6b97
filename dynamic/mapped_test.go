package dynamic

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kdyn/kdyn/restmapper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	deploymentKind = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	nodeKind       = schema.GroupVersionKind{Version: "v1", Kind: "Node"}
	widgetKind     = schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
)

// resettableMapper learns the Widget kind when reset, as a mapper does that
// rediscovers after a CRD is installed; it also answers with a context.
type resettableMapper struct {
	*meta.DefaultRESTMapper
	resets  atomic.Int32
	withCtx atomic.Int32
}

func (m *resettableMapper) Reset() {
	m.resets.Add(1)
	m.Add(widgetKind, meta.RESTScopeNamespace)
}

func (m *resettableMapper) RESTMappingWithContext(_ context.Context, gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.withCtx.Add(1)
	return m.RESTMapping(gk, versions...)
}

func newMapper() *resettableMapper {
	m := meta.NewDefaultRESTMapper([]schema.GroupVersion{{Group: "apps", Version: "v1"}, {Version: "v1"}})
	m.Add(deploymentKind, meta.RESTScopeNamespace)
	m.Add(nodeKind, meta.RESTScopeRoot)
	return &resettableMapper{DefaultRESTMapper: m}
}

func TestMapped(t *testing.T) {
	ctx := context.Background()
	var paths []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(objectJSON))
	}, Options{})
	mapper := newMapper()
	m := NewMapped(c, mapper)

	t.Run("kind", func(t *testing.T) {
		r, err := m.ForKind(ctx, deploymentKind)
		require.NoError(t, err)
		_, err = r.Namespace("ns").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(t, err)
		_, err = r.Get(ctx, "web", metav1.GetOptions{})
		assert.ErrorContains(t, err, "Deployment.apps \"web\" is namespaced")
		_, err = r.List(ctx, metav1.ListOptions{}) // all namespaces
		require.NoError(t, err)
	})
	t.Run("cluster-scoped", func(t *testing.T) {
		r, err := m.ForKind(ctx, nodeKind)
		require.NoError(t, err)
		_, err = r.Namespace("ns").List(ctx, metav1.ListOptions{})
		assert.ErrorContains(t, err, "cluster-scoped")
	})
	t.Run("object", func(t *testing.T) {
		r, err := m.ForObject(ctx, deployment())
		require.NoError(t, err)
		_, err = r.Create(ctx, deployment(), metav1.CreateOptions{})
		require.NoError(t, err)

		noNS := deployment()
		noNS.SetNamespace("")
		_, err = m.ForObject(ctx, noNS)
		assert.ErrorContains(t, err, "namespace is required")

		node := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Node",
			"metadata": map[string]any{"name": "n1", "namespace": "ns"}}}
		_, err = m.ForObject(ctx, node)
		assert.ErrorContains(t, err, `namespace "ns" was given`)

		_, err = m.ForObject(ctx, &unstructured.Unstructured{Object: map[string]any{}})
		assert.Error(t, err)
		_, err = m.ForObject(ctx, nil)
		assert.Error(t, err)
	})
	t.Run("refresh on no match", func(t *testing.T) {
		r, err := m.ForKind(ctx, widgetKind)
		require.NoError(t, err)
		assert.Equal(t, int32(1), mapper.resets.Load())
		_, err = r.Namespace("ns").Get(ctx, "w", metav1.GetOptions{})
		require.NoError(t, err)
		_, err = m.ForKind(ctx, schema.GroupVersionKind{Group: "nope", Version: "v1", Kind: "Nope"})
		assert.True(t, meta.IsNoMatchError(err), "%v", err)
	})
	assert.Positive(t, mapper.withCtx.Load(), "the context-aware mapping is preferred")
	assert.Equal(t, []string{
		"GET /apis/apps/v1/namespaces/ns/deployments/web",
		"GET /apis/apps/v1/deployments",
		"POST /apis/apps/v1/namespaces/ns/deployments",
		"GET /apis/example.com/v1/namespaces/ns/widgets/w",
	}, paths)
}

func TestMappedPlainMapper(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {}, Options{})
	m := NewMapped(c, newMapper().DefaultRESTMapper)
	_, err := m.ForKind(context.Background(), widgetKind)
	assert.True(t, meta.IsNoMatchError(err), "%v", err)
	_, err = m.ForKind(context.Background(), schema.GroupVersionKind{Group: "apps", Kind: "Deployment"})
	assert.NoError(t, err, "no version: the preferred one")
}

// countingDiscovery serves one core group with pods and counts group-list reads.
type countingDiscovery struct{ groups atomic.Int32 }

func (d *countingDiscovery) Groups(context.Context) (*metav1.APIGroupList, error) {
	d.groups.Add(1)
	v1 := metav1.GroupVersionForDiscovery{GroupVersion: "v1", Version: "v1"}
	return &metav1.APIGroupList{Groups: []metav1.APIGroup{{Versions: []metav1.GroupVersionForDiscovery{v1}, PreferredVersion: v1}}}, nil
}

func (d *countingDiscovery) Resources(_ context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	return &metav1.APIResourceList{GroupVersion: gv.String(), APIResources: []metav1.APIResource{
		{Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true}}}, nil
}

func (d *countingDiscovery) InvalidateGroup(string) {}

func TestMappedKeepsTheMappersBackoff(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {}, Options{})
	d := &countingDiscovery{}
	m := NewMapped(c, restmapper.New(d, restmapper.Options{MinBackoff: time.Hour}))
	for range 5 {
		_, err := m.ForKind(context.Background(), schema.GroupVersionKind{Version: "v1", Kind: "Typo"})
		assert.True(t, meta.IsNoMatchError(err), "%v", err)
	}
	assert.LessOrEqual(t, d.groups.Load(), int32(2), "a miss in backoff reaches no server")
}

// scopelessMapper answers every kind with a mapping whose Scope is unset,
// as hand-built mappers can.
type scopelessMapper struct{ meta.RESTMapper }

func (scopelessMapper) RESTMapping(gk schema.GroupKind, _ ...string) (*meta.RESTMapping, error) {
	return &meta.RESTMapping{Resource: deployments, GroupVersionKind: gk.WithVersion("v1")}, nil
}

func TestMappedMappingWithoutScope(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {}, Options{})
	m := NewMapped(c, scopelessMapper{})
	require.NotPanics(t, func() {
		_, err := m.ForKind(context.Background(), deploymentKind)
		assert.NoError(t, err, "an unknown scope is checked by the server")
	})
}
