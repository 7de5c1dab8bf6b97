package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"

	"github.com/kdyn/kdyn/dynamic"
)

// acceptRewriter changes the Accept header of every request, to make the
// real server answer as another server would, and records the Content-Type
// of its successful answers (errors come in JSON for these Accept headers).
type acceptRewriter struct {
	base    http.RoundTripper
	rewrite func(accept string) string

	mu   sync.Mutex // guards seen
	seen map[string]bool
}

func (a *acceptRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	if a.rewrite != nil {
		req = req.Clone(req.Context())
		req.Header.Set("Accept", a.rewrite(req.Header.Get("Accept")))
	}
	resp, err := a.base.RoundTrip(req)
	if err == nil && resp.StatusCode < 300 {
		a.mu.Lock()
		a.seen[resp.Header.Get("Content-Type")] = true
		a.mu.Unlock()
	}
	return resp, err
}

func (a *acceptRewriter) contentTypes() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.seen
	a.seen = map[string]bool{}
	return out
}

// withoutProtobuf drops the protobuf clauses: a server without protobuf.
func withoutProtobuf(accept string) string {
	var keep []string
	for _, cl := range strings.Split(accept, ",") {
		if !strings.HasPrefix(strings.TrimSpace(cl), "application/vnd.kubernetes.protobuf") {
			keep = append(keep, cl)
		}
	}
	return strings.Join(keep, ",")
}

// metadataMode is how the server answers the metadata Accept header.
type metadataMode struct {
	name    string
	rewrite func(string) string
	// contentTypes are what the answers (not watch streams) may be sent as.
	contentTypes []string
}

var metadataModes = []metadataMode{
	{"protobuf", nil, []string{"application/vnd.kubernetes.protobuf", "application/vnd.kubernetes.protobuf;stream=watch"}},
	{"json", withoutProtobuf, []string{"application/json"}},
}

// metadataClients are kdyn's metadata mode and client-go's metadata client
// for srv, both through an acceptRewriter.
func metadataClients(t *testing.T, mode metadataMode) (*dynamic.MetadataClient, metadata.Interface, *acceptRewriter, *acceptRewriter) {
	t.Helper()
	cfg, counted := countedConfigFor(t, srv)
	kr := &acceptRewriter{base: counted, rewrite: mode.rewrite, seen: map[string]bool{}}
	cfg.Transport = kr
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	cgCfg := srv.ClientGoConfig()
	cr := &acceptRewriter{rewrite: mode.rewrite, seen: map[string]bool{}}
	cgCfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { cr.base = rt; return cr }
	cg, err := metadata.NewForConfig(cgCfg)
	require.NoError(t, err)
	return dyn.Metadata(), cg, kr, cr
}

// TestMetadataDifferential runs every call of the metadata-only mode against
// kube-apiserver beside client-go's metadata client, for a built-in kind
// and a custom resource, with the server answering in protobuf and (its
// Accept header without protobuf) in JSON: the answers are the same.
func TestMetadataDifferential(t *testing.T) {
	for _, mode := range metadataModes {
		for _, tc := range []struct {
			gvr schema.GroupVersionResource
			obj func(name string) *unstructured.Unstructured
		}{
			{configMapsV1, func(name string) *unstructured.Unstructured {
				return configMap(name, map[string]any{"k": strings.Repeat("v", 100)})
			}},
			{widgetsV1, func(name string) *unstructured.Unstructured { return widget("stable.kdyn.dev/v1", name, 2, "blue") }},
		} {
			t.Run(mode.name+"/"+tc.gvr.Resource, func(t *testing.T) {
				differential(t, mode, tc.gvr, tc.obj)
			})
		}
	}
}

func differential(t *testing.T, mode metadataMode, gvr schema.GroupVersionResource, obj func(string) *unstructured.Unstructured) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-metadata")
	full, _ := newDynamic(t, dynamic.Options{})
	objs := full.Resource(gvr).Namespace(ns)
	for _, name := range []string{"a", "b", "c"} {
		_, err := objs.Create(ctx, obj(name), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	kdynMD, cgMD, kr, cr := metadataClients(t, mode)
	k, cg := kdynMD.Resource(gvr).Namespace(ns), cgMD.Resource(gvr).Namespace(ns)

	want, err := cg.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	got, err := k.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, got, "Get")
	assert.NotEmpty(t, got.UID)

	wantList, err := cg.List(ctx, metav1.ListOptions{Limit: 2})
	require.NoError(t, err)
	gotList, err := k.List(ctx, metav1.ListOptions{Limit: 2})
	require.NoError(t, err)
	assertSameList(t, wantList, gotList)
	assert.NotEmpty(t, gotList.Continue)
	var names []string
	for o, err := range k.All(ctx, metav1.ListOptions{Limit: 2}) {
		require.NoError(t, err)
		names = append(names, o.Name)
	}
	assert.Equal(t, []string{"a", "b", "c"}, names)

	_, wantErr := cg.Get(ctx, "nope", metav1.GetOptions{})
	_, gotErr := k.Get(ctx, "nope", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(gotErr), "%v", gotErr)
	assert.Equal(t, statusOf(t, wantErr), statusOf(t, gotErr))

	// Both watch from the same version; the writes of each client show in
	// both.
	kw, err := k.Watch(ctx, metav1.ListOptions{ResourceVersion: gotList.ResourceVersion})
	require.NoError(t, err)
	defer kw.Stop()
	cw, err := cg.Watch(ctx, metav1.ListOptions{ResourceVersion: gotList.ResourceVersion})
	require.NoError(t, err)
	defer cw.Stop()

	patch := []byte(`{"metadata":{"labels":{"patched":"yes"},"finalizers":["kdyn.dev/hold"]}}`)
	gotPatched, err := k.Patch(ctx, "a", types.MergePatchType, patch, metav1.PatchOptions{})
	require.NoError(t, err)
	wantPatched, err := cg.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, wantPatched, gotPatched, "Patch")
	cgPatched, err := cg.Patch(ctx, "b", types.MergePatchType, patch, metav1.PatchOptions{})
	require.NoError(t, err)
	kdynB, err := k.Get(ctx, "b", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, cgPatched, kdynB, "Patch by client-go, Get by kdyn")

	require.NoError(t, k.Delete(ctx, "c", metav1.DeleteOptions{}))
	// Finalizers keep a and b: DeleteCollection marks them for deletion.
	require.NoError(t, k.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "patched=yes"}))
	for _, name := range []string{"a", "b"} {
		_, err := k.Patch(ctx, name, types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
		require.NoError(t, err)
	}

	// The same events, in the same order, with the same objects.
	wantEvents := collect(t, cw.ResultChan(), 7)
	gotEvents := collect(t, kw.ResultChan(), 7)
	assert.Equal(t, wantEvents, gotEvents)
	assert.Equal(t, []watch.EventType{watch.Modified, watch.Modified, watch.Deleted, watch.Modified, watch.Modified, watch.Deleted, watch.Deleted},
		eventTypes(gotEvents), "patch a, patch b, delete c, delete a and b (marked), finalizers removed")

	left, err := k.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, left.Items)
	for name, rw := range map[string]*acceptRewriter{"kdyn": kr, "client-go": cr} {
		for ct := range rw.contentTypes() {
			assert.Contains(t, mode.contentTypes, ct, "%s got an answer in %s", name, ct)
		}
	}
}

// assertSameList compares lists; client-go keeps the TypeMeta the JSON
// items carry, kdyn's items have none whatever the format.
func assertSameList(t *testing.T, want, got *metav1.PartialObjectMetadataList) {
	t.Helper()
	assert.Equal(t, want.TypeMeta, got.TypeMeta)
	assert.Equal(t, want.Continue == "", got.Continue == "")
	assert.Equal(t, want.RemainingItemCount, got.RemainingItemCount)
	require.Equal(t, len(want.Items), len(got.Items))
	for i := range want.Items {
		assert.Equal(t, metav1.TypeMeta{}, got.Items[i].TypeMeta)
		assert.Equal(t, want.Items[i].ObjectMeta, got.Items[i].ObjectMeta)
	}
}

// statusOf is err's Status without its TypeMeta, which kdyn's errors keep
// (kind Status, apiVersion v1, as the body says) and client-go's drop.
func statusOf(t *testing.T, err error) metav1.Status {
	t.Helper()
	var se *apierrors.StatusError
	require.ErrorAs(t, err, &se)
	st := se.ErrStatus
	st.TypeMeta = metav1.TypeMeta{}
	return st
}

type seenEvent struct {
	Type   watch.EventType
	Object any
}

// collect reads n events, failing on an ERROR event or after 30 s.
func collect(t *testing.T, ch <-chan watch.Event, n int) []seenEvent {
	t.Helper()
	var out []seenEvent
	for len(out) < n {
		ev := nextEventOf(t, ch)
		require.NotEqual(t, watch.Error, ev.Type, "%v", ev.Object)
		out = append(out, seenEvent{ev.Type, ev.Object})
	}
	return out
}

func eventTypes(evs []seenEvent) []watch.EventType {
	var out []watch.EventType
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// TestMetadataFromWholeObjects makes the real server answer as one that
// does not transform responses (aggregated API servers): the metadata
// Accept header without its ";as=" clauses gets whole objects, in protobuf
// for a built-in kind. kdyn's answers are then what kube-apiserver's own
// PartialObjectMetadata says; client-go's metadata client reads whole
// objects in JSON only.
func TestMetadataFromWholeObjects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	whole := func(string) string { return "application/vnd.kubernetes.protobuf, application/json" }
	for _, gvr := range []schema.GroupVersionResource{configMapsV1, widgetsV1} {
		t.Run(gvr.Resource, func(t *testing.T) {
			ns := newNamespace(t, srv, "e2e-metadata-whole")
			full, _ := newDynamic(t, dynamic.Options{})
			obj := configMap("a", map[string]any{"k": "v"})
			if gvr == widgetsV1 {
				obj = widget("stable.kdyn.dev/v1", "a", 1, "red")
			}
			_, err := full.Resource(gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
			require.NoError(t, err)
			kdynMD, cgMD, _, _ := metadataClients(t, metadataModes[0])
			wholeMD, _, wr, _ := metadataClients(t, metadataMode{"whole", whole, nil})

			want, err := cgMD.Resource(gvr).Namespace(ns).Get(ctx, "a", metav1.GetOptions{})
			require.NoError(t, err)
			got, err := wholeMD.Resource(gvr).Namespace(ns).Get(ctx, "a", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, want, got)
			wantList, err := kdynMD.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			gotList, err := wholeMD.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assertSameList(t, wantList, gotList)

			w, err := wholeMD.Resource(gvr).Namespace(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: gotList.ResourceVersion})
			require.NoError(t, err)
			defer w.Stop()
			_, err = wholeMD.Resource(gvr).Namespace(ns).Patch(ctx, "a", types.MergePatchType, []byte(`{"metadata":{"labels":{"x":"y"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			ev := nextEvent(t, buffered(w.ResultChan()), watch.Modified)
			assert.Equal(t, "y", ev.Object.(*metav1.PartialObjectMetadata).Labels["x"])

			wantCT := "application/vnd.kubernetes.protobuf"
			if gvr == widgetsV1 {
				wantCT = "application/json"
			}
			assert.True(t, wr.contentTypes()[wantCT], "whole objects came as %s", wantCT)
		})
	}
}
