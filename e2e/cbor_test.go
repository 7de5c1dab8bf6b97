package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
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

	// What the server accepts, with plain net/http: a CBOR watch is asked
	// for as application/cbor and streamed as application/cbor-seq.
	t.Run("server", func(t *testing.T) {
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(cs.CAData))
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		defer client.CloseIdleConnections()
		for accept, want := range map[string]struct {
			status      int
			contentType string
		}{
			"application/cbor":     {http.StatusOK, "application/cbor-seq"},
			"application/cbor-seq": {http.StatusNotAcceptable, "application/json"},
		} {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet,
				cs.URL+"/api/v1/namespaces/"+ns+"/configmaps?watch=true&timeoutSeconds=1", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+cs.AdminToken)
			req.Header.Set("Accept", accept)
			resp, err := client.Do(req)
			require.NoError(t, err)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			assert.Equal(t, want.status, resp.StatusCode, accept)
			assert.Equal(t, want.contentType, resp.Header.Get("Content-Type"), accept)
		}
	})

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

			// The watch last: a refusal would switch the resource to JSON.
			w, err := ri.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
			require.NoError(t, err)
			defer w.Stop()
			events := buffered(w.ResultChan())
			_, err = plain.Resource(tc.gvr).Namespace(ns).Create(ctx, tc.objs("two"), metav1.CreateOptions{})
			require.NoError(t, err)
			ev := nextEvent(t, events, watch.Added)
			two, err := plain.Resource(tc.gvr).Namespace(ns).Get(ctx, "two", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, two.Object, ev.Object.(*unstructured.Unstructured).Object)
			require.NoError(t, ri.Delete(ctx, "two", metav1.DeleteOptions{}))
			nextEvent(t, events, watch.Deleted)

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
