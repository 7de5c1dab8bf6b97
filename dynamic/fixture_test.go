package dynamic

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// newFixtureClient serves the recorded kubernetes-1.36-dev cluster and
// returns a Client for it.
func newFixtureClient(t *testing.T, opts Options, serverOpts ...fixture.Option) (*Client, *fixture.Server) {
	t.Helper()
	c, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "kubernetes-1.36-dev"))
	require.NoError(t, err)
	srv := fixture.NewServer(c, serverOpts...)
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.WarningHandler = rest.NoWarnings{}
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return NewWithOptions(rc, opts), srv
}

func configMap(name string, data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": "default", "labels": map[string]any{"app": "web"}},
		"data":     data,
	}}
}

func TestFixtureCRUD(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")

	created, err := cms.Create(ctx, configMap("a", map[string]any{"k": "v"}), metav1.CreateOptions{FieldManager: "test"})
	require.NoError(t, err)
	assert.NotEmpty(t, created.GetUID())
	assert.NotEmpty(t, created.GetResourceVersion())

	_, err = cms.Create(ctx, configMap("a", nil), metav1.CreateOptions{})
	assert.True(t, apierrors.IsAlreadyExists(err), "%v", err)

	_, err = cms.Create(ctx, configMap("dry", nil), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	require.NoError(t, err)
	_, err = cms.Get(ctx, "dry", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "dry run stored the object: %v", err)

	got, err := cms.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, created.Object["data"], got.Object["data"])

	got.Object["data"] = map[string]any{"k": "v2"}
	updated, err := cms.Update(ctx, got, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, got.GetResourceVersion(), updated.GetResourceVersion())
	_, err = cms.Update(ctx, got, metav1.UpdateOptions{}) // stale resourceVersion
	assert.True(t, apierrors.IsConflict(err), "%v", err)

	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "ConfigMap", list.Items[0].GetKind())
	assert.Equal(t, "v1", list.Items[0].GetAPIVersion())

	patched, err := cms.Patch(ctx, "a", types.MergePatchType, []byte(`{"data":{"m":"1"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "1", patched.Object["data"].(map[string]any)["m"])
	patched, err = cms.Patch(ctx, "a", types.JSONPatchType, []byte(`[{"op":"add","path":"/data/j","value":"2"}]`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "2", patched.Object["data"].(map[string]any)["j"])
	patched, err = cms.Patch(ctx, "a", types.StrategicMergePatchType, []byte(`{"data":{"s":"3"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "3", patched.Object["data"].(map[string]any)["s"])

	wrongUID := types.UID("not-the-uid")
	err = cms.Delete(ctx, "a", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}})
	assert.True(t, apierrors.IsConflict(err), "%v", err)
	require.NoError(t, cms.Delete(ctx, "a", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptrUID(string(created.GetUID()))}}))
	_, err = cms.Get(ctx, "a", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	for _, n := range []string{"x", "y"} {
		_, err := cms.Create(ctx, configMap(n, nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=web"}))
	list, err = cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)
}

func TestFixtureStatusAndScale(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	deps := c.Resource(deployments).Namespace("default")
	d := deployment()
	d.SetNamespace("default")
	d.Object["spec"] = map[string]any{"replicas": int64(1),
		"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
		"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}}}}
	created, err := deps.Create(ctx, d, metav1.CreateOptions{})
	require.NoError(t, err)

	created.Object["status"] = map[string]any{"replicas": int64(1), "readyReplicas": int64(1)}
	st, err := deps.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Object["status"].(map[string]any)["readyReplicas"])

	scale, err := deps.Get(ctx, "web", metav1.GetOptions{}, "scale")
	require.NoError(t, err)
	assert.Equal(t, "Scale", scale.GetKind())
	scale.Object["spec"] = map[string]any{"replicas": int64(4)}
	_, err = deps.Update(ctx, scale, metav1.UpdateOptions{}, "scale")
	require.NoError(t, err)
	got, err := deps.Get(ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(4), got.Object["spec"].(map[string]any)["replicas"])

	applied, err := deps.ApplyStatus(ctx, "web", &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "namespace": "default"},
		"status": map[string]any{"availableReplicas": int64(1)}}}, metav1.ApplyOptions{FieldManager: "status-writer"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), applied.Object["status"].(map[string]any)["availableReplicas"])
}

func TestFixtureApplyConflict(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	cfg := func(v string) *unstructured.Unstructured {
		u := configMap("shared", map[string]any{"k": v})
		unstructured.RemoveNestedField(u.Object, "metadata", "labels")
		return u
	}
	_, err := cms.Apply(ctx, "shared", cfg("one"), metav1.ApplyOptions{FieldManager: "alice"})
	require.NoError(t, err)
	_, err = cms.Apply(ctx, "shared", cfg("two"), metav1.ApplyOptions{FieldManager: "bob"})
	require.True(t, apierrors.IsConflict(err), "%v", err)
	got, err := cms.Apply(ctx, "shared", cfg("two"), metav1.ApplyOptions{FieldManager: "bob", Force: true})
	require.NoError(t, err)
	assert.Equal(t, "two", got.Object["data"].(map[string]any)["k"])
	managers := map[string]bool{}
	for _, m := range got.GetManagedFields() {
		managers[m.Manager] = true
	}
	assert.True(t, managers["bob"], "bob owns the field after forcing: %v", managers)
}

func TestFixturePaging(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	for i := range 7 {
		_, err := cms.Create(ctx, configMap("cm-"+string(rune('a'+i)), nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	var names []string
	for obj, err := range cms.All(ctx, metav1.ListOptions{Limit: 2, LabelSelector: "app=web"}) {
		require.NoError(t, err)
		assert.Equal(t, "ConfigMap", obj.GetKind())
		names = append(names, obj.GetName())
	}
	assert.Equal(t, []string{"cm-a", "cm-b", "cm-c", "cm-d", "cm-e", "cm-f", "cm-g"}, names)

	t.Run("early stop", func(t *testing.T) {
		n := 0
		for range cms.All(ctx, metav1.ListOptions{Limit: 2}) {
			n++
			if n == 3 {
				break
			}
		}
		assert.Equal(t, 3, n)
	})
}

func TestFixtureWatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	list, err := cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	require.NoError(t, err)
	defer w.Stop()
	_, err = cms.Create(ctx, configMap("w", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	ev := <-w.ResultChan()
	require.Equal(t, watch.Added, ev.Type)
	assert.Equal(t, "w", ev.Object.(*unstructured.Unstructured).GetName())
	assert.Equal(t, "ConfigMap", ev.Object.(*unstructured.Unstructured).GetKind())
}

func TestFixtureResumingWatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{}, fixture.WithWatchesClosedEvery(300*time.Millisecond))
	cms := c.Resource(configMaps).Namespace("default")
	list, err := cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	w := cms.ResumingWatch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	defer w.Stop()
	seen := map[string]bool{}
	for i := range 4 {
		_, err := cms.Create(ctx, configMap("r"+string(rune('0'+i)), nil), metav1.CreateOptions{})
		require.NoError(t, err)
		time.Sleep(200 * time.Millisecond) // let the server close streams between changes
	}
	for len(seen) < 4 {
		select {
		case ev, ok := <-w.ResultChan():
			require.True(t, ok, "watch ended early")
			require.Equal(t, watch.Added, ev.Type, "%v", ev.Object)
			seen[ev.Object.(*unstructured.Unstructured).GetName()] = true
		case <-ctx.Done():
			t.Fatalf("saw only %v", seen)
		}
	}
	assert.NotEqual(t, list.GetResourceVersion(), w.ResourceVersion())
}

func TestFixtureWatchList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	for _, n := range []string{"p", "q"} {
		_, err := cms.Create(ctx, configMap(n, nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	s, err := cms.WatchList(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	require.NoError(t, err)
	defer s.Stop()
	var initial []string
	for done := false; !done; {
		select {
		case ev := <-s.ResultChan():
			if ev.Type == watch.Added {
				initial = append(initial, ev.Object.(*unstructured.Unstructured).GetName())
			}
		case <-s.Synced():
			done = true
		case <-ctx.Done():
			t.Fatal("no end of initial events")
		}
	}
	assert.ElementsMatch(t, []string{"p", "q"}, initial)
	assert.NotEmpty(t, s.SyncedResourceVersion())
}

func TestFixtureCBORFallsBackToJSON(t *testing.T) {
	ctx := context.Background()
	c, srv := newFixtureClient(t, Options{CBOR: true})
	cms := c.Resource(configMaps).Namespace("default")
	_, err := cms.Create(ctx, configMap("c", map[string]any{"k": "v"}), metav1.CreateOptions{})
	require.NoError(t, err)
	before := srv.Stats().Requests
	got, err := cms.Get(ctx, "c", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "v", got.Object["data"].(map[string]any)["k"])
	assert.Equal(t, before+1, srv.Stats().Requests, "the resource stays on JSON after the first refusal")
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: got.GetResourceVersion()})
	require.NoError(t, err)
	w.Stop()
}

func TestFixtureTable(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	_, err := cms.Create(ctx, configMap("t", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	table, err := cms.Table(ctx, "", metav1.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, table.ColumnDefinitions)
	assert.Equal(t, "Name", table.ColumnDefinitions[0].Name)
	require.Len(t, table.Rows, 1)
	assert.Equal(t, "t", table.Rows[0].Cells[0])
	one, err := cms.Table(ctx, "t", metav1.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, one.Rows, 1)
}

func TestFixtureErrors(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	_, err := c.Resource(configMaps).Namespace("default").Get(ctx, "missing", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
	_, err = c.Resource(configMaps).Namespace("default").List(ctx, metav1.ListOptions{Continue: "garbage"})
	var se *apierrors.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, int32(http.StatusBadRequest), se.ErrStatus.Code)
}

func TestFixturePagingTwice(t *testing.T) {
	ctx := context.Background()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	for i := range 5 {
		_, err := cms.Create(ctx, configMap("cm-"+string(rune('a'+i)), nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	all := cms.All(ctx, metav1.ListOptions{Limit: 2, LabelSelector: "app=web"})
	names := func() []string {
		var out []string
		for obj, err := range all {
			require.NoError(t, err)
			out = append(out, obj.GetName())
		}
		return out
	}
	want := []string{"cm-a", "cm-b", "cm-c", "cm-d", "cm-e"}
	assert.Equal(t, want, names())
	assert.Equal(t, want, names(), "ranging again lists from the start")
}
