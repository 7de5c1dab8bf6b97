package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	cgdynamic "k8s.io/client-go/dynamic"
	clientrest "k8s.io/client-go/rest"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// BenchmarkWatch decodes a watch stream of 10,000 pod events with kdyn's
// and client-go's dynamic clients, the same static body for both, served after the fixed latency. The
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
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				if n := drain(b, c.watch); n != events {
					b.Fatalf("got %d events, want %d", n, events)
				}
			}
			b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
			reportCPU(b, cpu)
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

// kdynWatcher watches through kdyn's dynamic client.
func kdynWatcher(tb testing.TB, host string) func(context.Context) (watch.Interface, error) {
	dc, err := dynamic.NewForConfig(&rest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (watch.Interface, error) {
		return dc.Resource(podsGVR).Watch(ctx, metav1.ListOptions{})
	}
}

func clientGoWatcher(tb testing.TB, host string) func(context.Context) (watch.Interface, error) {
	dc, err := cgdynamic.NewForConfig(&clientrest.Config{Host: host})
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (watch.Interface, error) {
		return dc.Resource(podsGVR).Watch(ctx, metav1.ListOptions{})
	}
}
