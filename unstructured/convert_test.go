package unstructured

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestConvertRoundTrip(t *testing.T) {
	want := testDeployment(4)
	u, err := FromTyped(want)
	require.NoError(t, err)
	assert.Equal(t, "Deployment", u.GetKind())
	assert.Equal(t, int64(3), u.Object["spec"].(map[string]any)["replicas"])

	got, err := As[appsv1.Deployment](u)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	t.Run("errors", func(t *testing.T) {
		bad := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"replicas": "three"}}}
		_, err := As[appsv1.Deployment](bad)
		assert.Error(t, err)
		assert.Error(t, ToTyped(nil, &appsv1.Deployment{}))
		_, err = FromTyped(42)
		assert.Error(t, err)
	})
}
