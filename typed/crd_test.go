package typed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// TestFixtureCustomResourceVerbs runs every verb on a CRD's own Go type,
// whose CRD is installed while the Client already exists.
func TestFixtureCustomResourceVerbs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, rc, rec := fixtureSet(t, Options{Protobuf: true}) // a type without protobuf asks for JSON
	widgets := forWidgets(t, cs).Namespace("default")

	_, err := widgets.Get(ctx, "w1", metav1.GetOptions{})
	require.True(t, meta.IsNoMatchError(err), "before the CRD: %v", err)
	installWidgets(t, rc)
	// The mapper remembered the miss; it looks again once its backoff ends.
	require.Eventually(t, func() bool {
		_, err := widgets.List(ctx, metav1.ListOptions{})
		return !meta.IsNoMatchError(err)
	}, 20*time.Second, 20*time.Millisecond, "the kind is found after the CRD is installed")

	created, err := widgets.Create(ctx, widget("w1", "red", 1), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "red", created.Spec.Color)
	assert.NotEmpty(t, created.UID)

	w, err := widgets.Watch(ctx, metav1.ListOptions{ResourceVersion: created.ResourceVersion})
	require.NoError(t, err)
	defer w.Stop()

	created.Spec.Color = "green"
	created.Status = WidgetStatus{Replicas: 1, Selector: "kind=widget", Phase: "Ready"}
	updated, err := widgets.Update(ctx, created, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "green", updated.Spec.Color)
	assert.Empty(t, updated.Status.Phase, "the main resource ignores status")

	updated.Status = WidgetStatus{Replicas: 1, Selector: "kind=widget", Phase: "Ready"}
	updated.Spec.Color = "blue"
	status, err := widgets.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Ready", status.Status.Phase)
	assert.Equal(t, "green", status.Spec.Color, "the status subresource ignores spec")

	applied, err := widgets.ApplyStatus(ctx, rawConfiguration(`{"metadata":{"name":"w1"},"status":{"phase":"Degraded"}}`),
		metav1.ApplyOptions{FieldManager: "status-writer", Force: true})
	require.NoError(t, err)
	assert.Equal(t, "Degraded", applied.Status.Phase)

	p, err := widgets.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"size":"L"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "L", p.Spec.Size)
	_, err = widgets.Patch(ctx, "w1", types.StrategicMergePatchType, []byte(`{"spec":{"size":"S"}}`), metav1.PatchOptions{})
	assert.True(t, apierrors.IsUnsupportedMediaType(err), "strategic merge patch of a custom resource: %v", err)
	_, err = widgets.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{}, "scale")
	assert.ErrorContains(t, err, "the server sent a Scale where a Widget was expected")

	applied, err = widgets.Apply(ctx, ApplyConfigurationOf(widget("w2", "yellow", 2)), metav1.ApplyOptions{FieldManager: "test"})
	require.NoError(t, err)
	assert.Equal(t, "yellow", applied.Spec.Color)

	list, err := widgets.List(ctx, metav1.ListOptions{LabelSelector: "kind=widget"})
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "w2"}, names(widgets, list))
	var paged []string
	for w, err := range widgets.All(ctx, metav1.ListOptions{Limit: 1}) {
		require.NoError(t, err)
		paged = append(paged, w.Name)
	}
	assert.Equal(t, []string{"w1", "w2"}, paged)

	require.NoError(t, widgets.Delete(ctx, "w1", metav1.DeleteOptions{}))
	require.NoError(t, widgets.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}))
	list, err = widgets.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)

	// The watch saw every change of w1 as a *Widget: update, status update,
	// status apply, patch, the scale patch (applied, though its answer is
	// not a Widget), and deletion.
	var seen []watch.EventType
	for len(seen) < 6 {
		select {
		case ev := <-w.ResultChan():
			obj, ok := ev.Object.(*Widget)
			require.True(t, ok, "%s event object is %T", ev.Type, ev.Object)
			if obj.Name == "w1" {
				seen = append(seen, ev.Type)
			}
		case <-ctx.Done():
			t.Fatalf("events seen: %v", seen)
		}
	}
	assert.Equal(t, []watch.EventType{watch.Modified, watch.Modified, watch.Modified, watch.Modified, watch.Modified, watch.Deleted}, seen)
	assert.Equal(t, []string{mediaJSON}, rec.mediaTypes("/apis/example.com/"))
}
