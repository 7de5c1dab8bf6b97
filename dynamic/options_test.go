package dynamic

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// TestFixtureOptions checks that the fixture API server, which decodes
// options as kube-apiserver does, sees each option as meant.
func TestFixtureOptions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	first, err := cms.Create(ctx, configMap("one", map[string]any{"k": "1"}), metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cms.Create(ctx, configMap("two", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	dry := []string{metav1.DryRunAll}

	t.Run("fieldValidation", func(t *testing.T) {
		bad := configMap("strict", nil)
		bad.Object["unknownField"] = "x"
		_, err := cms.Create(ctx, bad, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
		assert.True(t, apierrors.IsBadRequest(err) || apierrors.IsInvalid(err), "%v", err)
		_, err = cms.Create(ctx, bad, metav1.CreateOptions{FieldValidation: metav1.FieldValidationIgnore, DryRun: dry})
		assert.NoError(t, err)
	})
	t.Run("fieldSelector", func(t *testing.T) {
		l, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=two"})
		require.NoError(t, err)
		require.Len(t, l.Items, 1)
		assert.Equal(t, "two", l.Items[0].GetName())
	})
	t.Run("resourceVersionMatch Exact", func(t *testing.T) {
		l, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: first.GetResourceVersion(),
			ResourceVersionMatch: metav1.ResourceVersionMatchExact})
		require.NoError(t, err)
		require.Len(t, l.Items, 1, "the snapshot before the second create")
		assert.Equal(t, "one", l.Items[0].GetName())
	})
	t.Run("dryRun update and patch", func(t *testing.T) {
		cur, err := cms.Get(ctx, "one", metav1.GetOptions{})
		require.NoError(t, err)
		cur.Object["data"] = map[string]any{"k": "changed"}
		_, err = cms.Update(ctx, cur, metav1.UpdateOptions{DryRun: dry})
		require.NoError(t, err)
		_, err = cms.Patch(ctx, "one", types.MergePatchType, []byte(`{"data":{"k":"patched"}}`), metav1.PatchOptions{DryRun: dry})
		require.NoError(t, err)
		got, err := cms.Get(ctx, "one", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "1", got.Object["data"].(map[string]any)["k"])
	})
	t.Run("propagationPolicy and resourceVersion precondition", func(t *testing.T) {
		orphan := metav1.DeletePropagationOrphan
		stale := "1"
		err := cms.Delete(ctx, "two", metav1.DeleteOptions{PropagationPolicy: &orphan,
			Preconditions: &metav1.Preconditions{ResourceVersion: &stale}})
		assert.True(t, apierrors.IsConflict(err), "%v", err)
		require.NoError(t, cms.Delete(ctx, "two", metav1.DeleteOptions{PropagationPolicy: &orphan}))
	})
	t.Run("timeoutSeconds", func(t *testing.T) {
		timeout := int64(1)
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: first.GetResourceVersion(), TimeoutSeconds: &timeout})
		require.NoError(t, err)
		defer w.Stop()
		for ev := range w.ResultChan() { // the server ends the stream after a second
			assert.NotEqual(t, watch.Error, ev.Type)
		}
	})
}
