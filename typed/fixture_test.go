package typed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// TestFixtureDeploymentVerbs runs every verb on apps/v1 Deployments, in
// JSON and in protobuf, which the fixture serves for built-in kinds as the
// API server does.
func TestFixtureDeploymentVerbs(t *testing.T) {
	for _, opts := range []Options{{}, {Protobuf: true}} {
		t.Run(map[bool]string{false: "json", true: "protobuf"}[opts.Protobuf], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, _, rec := fixtureSet(t, opts)
			deploys := forDeployments(t, cs).Namespace("default")

			created, err := deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
			require.NoError(t, err)
			assert.NotEmpty(t, created.UID)
			assert.Equal(t, int32(1), *created.Spec.Replicas)
			assert.Empty(t, created.Kind, "apiVersion and kind are left empty, as client-go leaves them")

			got, err := deploys.Get(ctx, "web", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, created, got)

			_, err = deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
			assert.True(t, apierrors.IsAlreadyExists(err), "%v", err)
			_, err = deploys.Get(ctx, "nope", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "%v", err)

			got.Labels["tier"] = "front"
			updated, err := deploys.Update(ctx, got, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, "front", updated.Labels["tier"])
			_, err = deploys.Update(ctx, got, metav1.UpdateOptions{}) // stale resourceVersion
			assert.True(t, apierrors.IsConflict(err), "%v", err)

			updated.Status.ObservedGeneration = updated.Generation
			updated.Status.Replicas = 1
			status, err := deploys.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			require.NoError(t, err)
			assert.Equal(t, int32(1), status.Status.Replicas)

			p, err := deploys.Patch(ctx, "web", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/replicas","value":3}]`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Equal(t, int32(3), *p.Spec.Replicas)
			p, err = deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"annotations":{"merge":"yes"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Equal(t, "yes", p.Annotations["merge"])
			p, err = deploys.Patch(ctx, "web", types.StrategicMergePatchType,
				[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"registry.k8s.io/pause:3.11"}]}}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			assert.Len(t, p.Spec.Template.Spec.Containers, 2, "a strategic merge patch merges containers by name")

			applied, err := deploys.Apply(ctx, ApplyConfigurationOf(deployment("api", 2)), metav1.ApplyOptions{FieldManager: "test"})
			require.NoError(t, err)
			assert.Equal(t, int32(2), *applied.Spec.Replicas)
			scale := rawConfiguration(`{"metadata":{"name":"api"},"spec":{"replicas":4}}`)
			_, err = deploys.Apply(ctx, scale, metav1.ApplyOptions{FieldManager: "scaler"})
			assert.True(t, apierrors.IsConflict(err), "another manager owns replicas: %v", err)
			applied, err = deploys.Apply(ctx, scale, metav1.ApplyOptions{FieldManager: "scaler", Force: true})
			require.NoError(t, err)
			assert.Equal(t, int32(4), *applied.Spec.Replicas)

			list, err := deploys.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"web", "api"}, names(deploys, list))
			assert.NotEmpty(t, list.ResourceVersion)
			list, err = deploys.Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "app=api"})
			require.NoError(t, err)
			assert.Equal(t, []string{"api"}, names(deploys, list), "all namespaces, by label")

			var paged []string
			for d, err := range deploys.All(ctx, metav1.ListOptions{Limit: 1}) {
				require.NoError(t, err)
				paged = append(paged, d.Name)
			}
			assert.ElementsMatch(t, []string{"web", "api"}, paged, "one object per page")

			require.NoError(t, deploys.Delete(ctx, "web", metav1.DeleteOptions{}))
			_, err = deploys.Get(ctx, "web", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "%v", err)
			assert.True(t, apierrors.IsNotFound(deploys.Delete(ctx, "web", metav1.DeleteOptions{})))
			require.NoError(t, deploys.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=api"}))
			list, err = deploys.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assert.Empty(t, list.Items)

			want := map[bool]string{false: mediaJSON, true: mediaProtobuf}[opts.Protobuf]
			assert.Equal(t, []string{want}, rec.mediaTypes("/apis/apps/v1/"), "what the fixture answered in")
		})
	}
}

// rawConfiguration is an apply configuration given as JSON.
type rawConfiguration string

func (rawConfiguration) IsApplyConfiguration()          {}
func (r rawConfiguration) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// TestFixtureWatch watches Deployments, in JSON and in protobuf, and gets
// typed events.
func TestFixtureWatch(t *testing.T) {
	for _, protobuf := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "protobuf"}[protobuf], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, _, rec := fixtureSet(t, Options{SetTypeMeta: true, Protobuf: protobuf})
			deploys := forDeployments(t, cs).Namespace("default")

			w, err := deploys.Watch(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			defer w.Stop()
			_, err = deploys.Create(ctx, deployment("web", 1), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			require.NoError(t, deploys.Delete(ctx, "web", metav1.DeleteOptions{}))

			for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
				select {
				case ev, ok := <-w.ResultChan():
					require.True(t, ok, "watch ended before %s", want)
					require.Equal(t, want, ev.Type, "%v", ev.Object)
					d, ok := ev.Object.(*appsv1.Deployment)
					require.True(t, ok, "event object is %T", ev.Object)
					assert.Equal(t, "web", d.Name)
					assert.Equal(t, "Deployment", d.Kind, "SetTypeMeta fills the kind")
				case <-ctx.Done():
					t.Fatalf("no %s event", want)
				}
			}
			want := map[bool]string{false: mediaJSON, true: mediaProtobuf}[protobuf]
			assert.Equal(t, []string{want}, rec.mediaTypes("/apis/apps/v1/"))
		})
	}
}
