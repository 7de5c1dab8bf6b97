package restmapper

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const clusters = "../testdata/clusters"

func TestRecordedCluster(t *testing.T) {
	m := New(loadCluster(t, clusters+"/kubernetes-1.36-dev"), Options{})
	ctx := context.Background()

	t.Run("RESTMapping", func(t *testing.T) {
		mp, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deployment"})
		require.NoError(t, err)
		assert.Equal(t, schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, mp.Resource)
		assert.Equal(t, meta.RESTScopeNameNamespace, mp.Scope.Name())
	})
	t.Run("ResourceFor short input", func(t *testing.T) {
		gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "pods"})
		require.NoError(t, err)
		assert.Equal(t, schema.GroupVersionResource{Version: "v1", Resource: "pods"}, gvr)
	})
	t.Run("KindFor singular", func(t *testing.T) {
		gvk, err := m.KindForWithContext(ctx, schema.GroupVersionResource{Resource: "deployment"})
		require.NoError(t, err)
		assert.Equal(t, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, gvk)
	})
	t.Run("unknown kind", func(t *testing.T) {
		_, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deploymnet"})
		var nk *meta.NoKindMatchError
		require.ErrorAs(t, err, &nk)
	})
	t.Run("singularizer", func(t *testing.T) {
		s, err := m.ResourceSingularizerWithContext(ctx, "deployments")
		require.NoError(t, err)
		assert.Equal(t, "deployment", s)
	})
}
