package dynamic

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
)

// TestWithoutManagedFields: lists (paged or not) and watch events of a
// Client WithoutManagedFields have no managedFields, and are otherwise what
// the Client gives; the Client it came from keeps them.
func TestWithoutManagedFields(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{})
	lean := c.WithoutManagedFields()
	cms := c.Resource(configMaps).Namespace("default")
	for i := range 3 {
		_, err := cms.Create(ctx, configMap(fmt.Sprintf("cm%d", i), map[string]any{"k": "v"}), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	full, err := cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, full.Items[0].GetManagedFields(), "the fixture records managedFields")
	got, err := lean.Resource(configMaps).Namespace("default").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for i := range full.Items {
		unstructured.RemoveNestedField(full.Items[i].Object, "metadata", "managedFields")
	}
	assert.Equal(t, full, got)
	var paged []*unstructured.Unstructured
	for obj, err := range lean.Resource(configMaps).Namespace("default").All(ctx, metav1.ListOptions{Limit: 1}) {
		require.NoError(t, err)
		paged = append(paged, obj)
	}
	require.Len(t, paged, len(full.Items))
	for _, obj := range paged {
		assert.Nil(t, obj.GetManagedFields())
	}

	w, err := lean.Resource(configMaps).Namespace("default").Watch(ctx, metav1.ListOptions{ResourceVersion: full.GetResourceVersion()})
	require.NoError(t, err)
	defer w.Stop()
	_, err = cms.Create(ctx, configMap("late", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	ev := <-w.ResultChan()
	require.Equal(t, watch.Added, ev.Type)
	obj := ev.Object.(*unstructured.Unstructured)
	assert.Equal(t, "late", obj.GetName())
	assert.Nil(t, obj.GetManagedFields())
	assert.NotEmpty(t, obj.GetUID())

	again, err := cms.Get(ctx, "late", metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, again.GetManagedFields(), "the original Client keeps them")
}
