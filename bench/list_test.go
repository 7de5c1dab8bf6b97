package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiunstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdynamic "k8s.io/client-go/dynamic"
	clientrest "k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/unstructured"
)

// listSize is the number of pods in the listed collection (~4.9 MB of JSON).
const listSize = 5000

var (
	podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	podGVK  = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
)

// listServer serves the same pod list at /api/v1/pods to every client, as
// CBOR when asked for it and as JSON otherwise, after the fixed latency. It
// serves static bodies rather than the fixture's object store so that the
// benchmark measures the clients, not the server's encoding, which shares
// the process's CPU.
func listServer(tb testing.TB) (srv *httptest.Server, jsonBody, cborBody []byte) {
	tb.Helper()
	jsonBody = podListJSON(tb, listSize)
	l, err := unstructured.DecodeList(jsonBody)
	if err != nil {
		tb.Fatal(err)
	}
	if cborBody, err = unstructured.EncodeCBOR(l); err != nil {
		tb.Fatal(err)
	}
	srv = httptest.NewServer(slow(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/pods" {
			http.NotFound(w, r)
			return
		}
		body, ct := jsonBody, "application/json"
		if strings.HasPrefix(r.Header.Get("Accept"), "application/cbor") {
			body, ct = cborBody, "application/cbor"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv, jsonBody, cborBody
}

// lister lists all pods once.
type lister func(ctx context.Context) (int, error)

// BenchmarkList lists 5,000 pods: kdyn's dynamic client (JSON and CBOR),
// client-go's dynamic client and controller-runtime's client with
// unstructured objects. MB/s counts the bytes on the wire, objects/s the
// decoded pods, cpu-ns/op the CPU time of the whole process.
func BenchmarkList(b *testing.B) {
	srv, jsonBody, cborBody := listServer(b)
	clients := []struct {
		name string
		size int
		list lister
	}{
		{"json/kdyn", len(jsonBody), kdynLister(b, srv.URL, dynamic.Options{})},
		{"json/client-go", len(jsonBody), clientGoLister(b, srv.URL)},
		{"json/controller-runtime", len(jsonBody), crLister(b, srv.URL)},
		{"cbor/kdyn", len(cborBody), kdynLister(b, srv.URL, dynamic.Options{CBOR: true})},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(c.size))
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				n, err := c.list(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if n != listSize {
					b.Fatalf("listed %d pods, want %d", n, listSize)
				}
			}
			b.ReportMetric(float64(listSize*b.N)/time.Since(start).Seconds(), "objects/s")
			reportCPU(b, cpu)
		})
	}
}

// kdynLister lists through kdyn's dynamic client.
func kdynLister(tb testing.TB, host string, opts dynamic.Options) lister {
	rc, err := rest.NewClient(&rest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	c := dynamic.NewWithOptions(rc, opts)
	return func(ctx context.Context) (int, error) {
		l, err := c.Resource(podsGVR).List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}

func clientGoLister(tb testing.TB, host string) lister {
	dc, err := cgdynamic.NewForConfig(&clientrest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (int, error) {
		l, err := dc.Resource(podsGVR).List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}

func crLister(tb testing.TB, host string) lister {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(podGVK, meta.RESTScopeNamespace)
	c, err := client.New(&clientrest.Config{Host: host}, client.Options{Mapper: m})
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (int, error) {
		l := &apiunstructured.UnstructuredList{}
		l.SetGroupVersionKind(podGVK.GroupVersion().WithKind("PodList"))
		if err := c.List(ctx, l); err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}

func TestListSize(t *testing.T) {
	if n := len(podListJSON(t, listSize)); n < 4_600_000 || n > 5_200_000 {
		t.Errorf("list of %d pods is %d bytes, want about 4.9 MB", listSize, n)
	}
}
