package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	clientrest "k8s.io/client-go/rest"

	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/unstructured"
)

// BenchmarkWatch decodes a watch stream of 10,000 pod events, the same
// static body for both clients, served after the fixed latency. The
// stream ends after the last event, which ends the watch.
func BenchmarkWatch(b *testing.B) {
	events := 10000
	if testing.Short() {
		events = 100
	}
	body := podEventsJSON(b, events)
	srv := httptest.NewServer(slow(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	clients := []struct {
		name  string
		watch func(ctx context.Context) (watch.Interface, error)
	}{
		{"kdyn", kdynWatcher(b, srv.URL)},
		{"client-go", clientGoWatcher(b, srv.URL)},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			start := time.Now()
			for b.Loop() {
				if n := drain(b, c.watch); n != events {
					b.Fatalf("got %d events, want %d", n, events)
				}
			}
			b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// drain counts the events of one watch until the stream ends.
func drain(b *testing.B, start func(context.Context) (watch.Interface, error)) int {
	w, err := start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	n := 0
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			b.Fatalf("error event: %v", ev.Object)
		}
		n++
	}
	return n
}

// kdynWatcher watches through kdyn's rest client with the unstructured
// decoder, as kdyn's dynamic client does.
func kdynWatcher(tb testing.TB, host string) func(context.Context) (watch.Interface, error) {
	rc, err := rest.NewClient(&rest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	decode := func(raw []byte) (runtime.Object, error) { return unstructured.DecodeObject(raw) }
	return func(ctx context.Context) (watch.Interface, error) {
		return rc.Get().AbsPath("/api/v1/pods").WatchWith(ctx, func(body io.ReadCloser) rest.EventDecoder {
			return rest.NewJSONEventDecoder(body, decode)
		})
	}
}

func clientGoWatcher(tb testing.TB, host string) func(context.Context) (watch.Interface, error) {
	dc, err := dynamic.NewForConfig(&clientrest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (watch.Interface, error) {
		return dc.Resource(podsGVR).Watch(ctx, metav1.ListOptions{})
	}
}
