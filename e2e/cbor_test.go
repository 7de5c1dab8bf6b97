package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/e2e/harness"
)

// TestCBOR runs a second server with the CBORServingAndStorage gate for the
// length of this test (the gate is process-wide) and round-trips a built-in
// kind and a CR through kdyn in CBOR: the objects equal what JSON returns.
func TestCBOR(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := harness.Start(harness.Options{Name: "cbor", FeatureGates: "CBORServingAndStorage=true"})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cs.Stop()) })
	require.NoError(t, installBaseCRDs(ctx, cs.ClientGoConfig()))
	ns := newNamespace(t, cs, "e2e-cbor")
	cbor, count := newDynamicFor(t, cs, dynamic.Options{CBOR: true})
	plain, _ := newDynamicFor(t, cs, dynamic.Options{})

	for _, tc := range []struct {
		gvr  schema.GroupVersionResource
		objs func(name string) *unstructured.Unstructured
	}{
		{configMapsV1, func(name string) *unstructured.Unstructured {
			return configMap(name, map[string]any{"text": "héllo", "n": "1"})
		}},
		{widgetsV1, func(name string) *unstructured.Unstructured {
			return widget("stable.kdyn.dev/v1", name, 3, "red")
		}},
	} {
		t.Run(tc.gvr.Resource, func(t *testing.T) {
			ri := cbor.Resource(tc.gvr).Namespace(ns)
			w, err := ri.Watch(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			defer w.Stop()

			created, err := ri.Create(ctx, tc.objs("one"), metav1.CreateOptions{})
			require.NoError(t, err)
			got, err := ri.Get(ctx, "one", metav1.GetOptions{})
			require.NoError(t, err)
			viaJSON, err := plain.Resource(tc.gvr).Namespace(ns).Get(ctx, "one", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, viaJSON.Object, got.Object, "CBOR and JSON decode to the same object")
			assert.Equal(t, created.Object, got.Object)

			list, err := ri.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			require.Len(t, list.Items, 1)
			assert.Equal(t, viaJSON.Object, list.Items[0].Object)

			ev := nextEvent(t, w.ResultChan(), watch.Added)
			assert.Equal(t, viaJSON.Object, ev.Object.(*unstructured.Unstructured).Object)
			require.NoError(t, ri.Delete(ctx, "one", metav1.DeleteOptions{}))
			nextEvent(t, w.ResultChan(), watch.Deleted)

			for _, r := range count.take() {
				if r.Status == 0 {
					continue // the watch still streaming
				}
				want := "application/cbor"
				if strings.Contains(r.Query, "watch=true") {
					want = "application/cbor-seq"
				}
				assert.Equal(t, want, r.ContentType, r)
			}
		})
	}
}

// TestCBORFallback: against a server without the CBOR gate, a CBOR client
// falls back to JSON and works.
func TestCBORFallback(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-cbor-fallback")
	dyn, count := newDynamic(t, dynamic.Options{CBOR: true})
	cms := dyn.Resource(configMapsV1).Namespace(ns)

	_, err := cms.Create(ctx, configMap("one", map[string]any{"k": "v"}), metav1.CreateOptions{})
	require.NoError(t, err)
	got, err := cms.Get(ctx, "one", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "v", nested[string](t, got, "data", "k"))
	reqs := count.take()
	require.NotEmpty(t, reqs)
	assert.Contains(t, []int{406, 415}, reqs[0].Status, "the first request is refused: %v", reqs)
	last := reqs[len(reqs)-1]
	assert.Equal(t, 200, last.Status)
	assert.Contains(t, last.ContentType, "application/json")
}
