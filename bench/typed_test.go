package bench

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes"
	clientrest "k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	kjson "sigs.k8s.io/json"

	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/typed"
)

const (
	mediaJSON     = "application/json"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// typedListServer serves the pod list of BenchmarkList at /api/v1/pods, in
// protobuf (as the API server encodes it: its envelope, items without
// apiVersion and kind) to requests that ask for protobuf first, and in
// JSON to others, after the fixed latency.
func typedListServer(tb testing.TB) (srv *httptest.Server, jsonBody, protoBody []byte) {
	tb.Helper()
	jsonBody = podListJSON(tb, listSize)
	l := &corev1.PodList{}
	require.NoError(tb, kjson.UnmarshalCaseSensitivePreserveInts(jsonBody, l))
	s := runtime.NewScheme()
	require.NoError(tb, corev1.AddToScheme(s))
	var buf bytes.Buffer
	require.NoError(tb, protobuf.NewSerializer(s, s).Encode(l, &buf))
	protoBody = buf.Bytes()
	srv = httptest.NewServer(slow(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/pods" {
			http.NotFound(w, r)
			return
		}
		body, ct := jsonBody, mediaJSON
		if strings.HasPrefix(r.Header.Get("Accept"), mediaProtobuf) {
			body, ct = protoBody, mediaProtobuf
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv, jsonBody, protoBody
}

// podLister lists all pods once as typed objects.
type podLister func(ctx context.Context) (*corev1.PodList, error)

// BenchmarkTypedList lists 5,000 pods as *corev1.PodList: kdyn's typed
// client beside client-go's Clientset, in JSON and in protobuf, and
// controller-runtime's client in JSON. MB/s counts the bytes on the wire
// of each format, objects/s the decoded pods, cpu-ns/op the CPU time of
// the whole process.
func BenchmarkTypedList(b *testing.B) {
	srv, jsonBody, protoBody := typedListServer(b)
	clients := []struct {
		name string
		size int
		list podLister
	}{
		{"json/kdyn", len(jsonBody), kdynPodLister(b, srv.URL, typed.Options{})},
		{"json/client-go", len(jsonBody), clientsetPodLister(b, srv.URL, mediaJSON)},
		{"json/controller-runtime", len(jsonBody), crPodLister(b, srv.URL)},
		{"protobuf/kdyn", len(protoBody), kdynPodLister(b, srv.URL, typed.Options{Protobuf: true})},
		{"protobuf/client-go", len(protoBody), clientsetPodLister(b, srv.URL, mediaProtobuf)},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(c.size))
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				l, err := c.list(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != listSize {
					b.Fatalf("listed %d pods, want %d", len(l.Items), listSize)
				}
			}
			b.ReportMetric(float64(listSize*b.N)/time.Since(start).Seconds(), "objects/s")
			reportCPU(b, cpu)
		})
	}
}

// kdynPodLister lists through kdyn's typed client, with a mapper that
// knows pods (kdyn's own is measured in the mapping workloads).
func kdynPodLister(tb testing.TB, host string, opts typed.Options) podLister {
	rc, err := rest.NewClient(&rest.Config{Host: host})
	require.NoError(tb, err)
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(podGVK, meta.RESTScopeNamespace)
	s := runtime.NewScheme()
	require.NoError(tb, corev1.AddToScheme(s))
	pods, err := typed.For[*corev1.Pod, *corev1.PodList](typed.New(rc, m, s, opts))
	require.NoError(tb, err)
	return func(ctx context.Context) (*corev1.PodList, error) {
		return pods.List(ctx, metav1.ListOptions{})
	}
}

// clientsetPodLister lists through client-go's Clientset in contentType.
// Left unset, it would be protobuf: the Clientset prefers protobuf for
// built-in types.
func clientsetPodLister(tb testing.TB, host, contentType string) podLister {
	cs, err := kubernetes.NewForConfig(&clientrest.Config{Host: host, ContentConfig: clientrest.ContentConfig{ContentType: contentType}})
	require.NoError(tb, err)
	return func(ctx context.Context) (*corev1.PodList, error) {
		return cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	}
}

func crPodLister(tb testing.TB, host string) podLister {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(podGVK, meta.RESTScopeNamespace)
	cfg := &clientrest.Config{Host: host, ContentConfig: clientrest.ContentConfig{ContentType: mediaJSON}}
	c, err := client.New(cfg, client.Options{Mapper: m})
	require.NoError(tb, err)
	return func(ctx context.Context) (*corev1.PodList, error) {
		l := &corev1.PodList{}
		return l, c.List(ctx, l)
	}
}

// TestTypedListSame checks that the typed lists compared are the same
// objects, field for field: kdyn's in each format and controller-runtime's
// against client-go's Clientset in JSON.
func TestTypedListSame(t *testing.T) {
	srv, _, _ := typedListServer(t)
	ctx := context.Background()
	want, err := clientsetPodLister(t, srv.URL, mediaJSON)(ctx)
	require.NoError(t, err)
	require.Len(t, want.Items, listSize)
	for name, list := range map[string]podLister{
		"client-go protobuf": clientsetPodLister(t, srv.URL, mediaProtobuf),
		"kdyn json":          kdynPodLister(t, srv.URL, typed.Options{}),
		"kdyn protobuf":      kdynPodLister(t, srv.URL, typed.Options{Protobuf: true}),
		"controller-runtime": crPodLister(t, srv.URL),
	} {
		got, err := list(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
}
