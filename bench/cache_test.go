package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	krt "k8s.io/apimachinery/pkg/runtime"
	cgdynamic "k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/dynamic/dynamiclister"
	clientrest "k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// cacheClients are the caches compared: kdyn's with its defaults
// (managedFields dropped), kdyn's keeping managedFields as the peers do,
// client-go's dynamic informer (with a dynamiclister), and
// controller-runtime's cache of unstructured objects.
var cacheClients = []string{"kdyn", "kdyn-managedFields", "client-go", "controller-runtime"}

// underTest is one running cache over a widgetServer, with one handler
// that counts what it receives, as a controller would have.
type underTest struct {
	synced func() bool
	get    func(ns, name string) (*unstructured.Unstructured, bool)
	list   func(sel labels.Selector) int
	stop   func()
	seen   *seen
}

// seen counts a handler's notifications and tells when an update of one
// object to a version arrives.
type seen struct {
	adds, updates atomic.Int64
	mu            sync.Mutex // guards watchFor and arrived
	watchFor      [2]string  // name, resourceVersion
	arrived       chan struct{}
}

func (s *seen) expect(name, rv string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchFor, s.arrived = [2]string{name, rv}, make(chan struct{})
	return s.arrived
}

func (s *seen) update(obj any) {
	s.updates.Add(1)
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.arrived != nil && u.GetName() == s.watchFor[0] && u.GetResourceVersion() == s.watchFor[1] {
		close(s.arrived)
		s.arrived = nil
	}
}

func (s *seen) peerHandler() toolscache.ResourceEventHandlerFuncs {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.adds.Add(1) },
		UpdateFunc: func(_, obj any) { s.update(obj) },
	}
}

func widgetMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(widgetGVK, meta.RESTScopeNamespace)
	return m
}

// startCache starts the named cache over srv, not waiting for its sync.
func startCache(tb testing.TB, name string, srv *widgetServer) *underTest {
	tb.Helper()
	s := &seen{}
	switch name {
	case "kdyn", "kdyn-managedFields":
		rc, err := rest.NewClient(&rest.Config{Host: srv.URL})
		if err != nil {
			tb.Fatal(err)
		}
		c := cache.New(dynamic.New(rc), widgetMapper(), cache.Options{})
		inf, err := c.Informer(context.Background(), widgetGVK, cache.InformerOptions{KeepManagedFields: name == "kdyn-managedFields"})
		if err != nil {
			tb.Fatal(err)
		}
		inf.AddHandler(cache.Handler{
			OnAdd:    func(*unstructured.Unstructured, bool) { s.adds.Add(1) },
			OnUpdate: func(_, obj *unstructured.Unstructured) { s.update(obj) },
		})
		return &underTest{synced: inf.HasSynced, get: inf.Get, list: func(sel labels.Selector) int { return len(inf.List(sel)) },
			stop: func() { c.Stop(); rc.CloseIdleConnections() }, seen: s}
	case "client-go":
		dc, err := cgdynamic.NewForConfig(&clientrest.Config{Host: srv.URL})
		if err != nil {
			tb.Fatal(err)
		}
		f := dynamicinformer.NewDynamicSharedInformerFactory(dc, 0)
		inf := f.ForResource(widgetGVR).Informer()
		if _, err := inf.AddEventHandler(s.peerHandler()); err != nil {
			tb.Fatal(err)
		}
		lister := dynamiclister.New(inf.GetIndexer(), widgetGVR)
		stop := make(chan struct{})
		f.Start(stop)
		return &underTest{synced: inf.HasSynced,
			get: func(ns, name string) (*unstructured.Unstructured, bool) {
				u, err := lister.Namespace(ns).Get(name)
				return u, err == nil
			},
			list: func(sel labels.Selector) int {
				l, _ := lister.List(sel)
				return len(l)
			},
			stop: func() { close(stop); f.Shutdown() }, seen: s}
	case "controller-runtime":
		c, err := crcache.New(&clientrest.Config{Host: srv.URL}, crcache.Options{Mapper: widgetMapper(), Scheme: krt.NewScheme()})
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		probe := &unstructured.Unstructured{}
		probe.SetGroupVersionKind(widgetGVK)
		inf, err := c.GetInformer(ctx, probe)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := inf.AddEventHandler(s.peerHandler()); err != nil {
			tb.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Start(ctx) }()
		listGVK := widgetGVK.GroupVersion().WithKind("WidgetList")
		return &underTest{synced: inf.HasSynced,
			get: func(ns, name string) (*unstructured.Unstructured, bool) {
				u := &unstructured.Unstructured{}
				u.SetGroupVersionKind(widgetGVK)
				err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
				return u, err == nil
			},
			list: func(sel labels.Selector) int {
				l := &unstructured.UnstructuredList{}
				l.SetGroupVersionKind(listGVK)
				_ = c.List(ctx, l, client.MatchingLabelsSelector{Selector: sel})
				return len(l.Items)
			},
			stop: func() { cancel(); <-done }, seen: s}
	}
	tb.Fatalf("unknown cache %q", name)
	return nil
}

// waitSynced polls synced every millisecond, the same way for every cache
// (client-go's WaitForCacheSync would poll every 100 ms).
func waitSynced(tb testing.TB, synced func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !synced() {
		if time.Now().After(deadline) {
			tb.Fatal("the cache did not sync in 5 minutes")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor waits until cond holds.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited 5 minutes for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkCacheSync is the time from starting a cache of 10,000 custom
// resources (~2 KB each) to its sync (ns/op; cpu-ns/op is the process's CPU
// time meanwhile, steadier on a shared machine), and the heap the synced
// cache retains after a full GC (retained-B), with its handler's
// notifications delivered.
func BenchmarkCacheSync(b *testing.B) {
	n := cacheObjects()
	srv := newWidgetServer(b, n)
	for _, name := range cacheClients {
		b.Run(name, func(b *testing.B) {
			benchSync(b, n, srv.watches, func() started {
				c := startCache(b, name, srv)
				return started{synced: c.synced, adds: &c.seen.adds, stop: c.stop}
			})
		})
	}
}

// stwEnv is set in the subprocess that runs BenchmarkCacheRelist.
const stwEnv = "KDYN_BENCH_RELIST_SUBPROCESS"

// BenchmarkCacheRelist makes the server end the watch with 410 Gone after
// changing 5% of the objects, as after an etcd compaction, and measures the
// peak of the live heap while the cache reads the state again (peak-B),
// over the heap the synced cache retains (steady-B). ns/op is the time to
// the last changed object's update, the client's backoff included.
//
// The live heap is sampled after each GC cycle, with a cycle at every 5% of
// heap growth. A concurrent GC counts whatever is allocated during its mark
// phase as live, which would add several MB of already-dead decoding
// garbage to every client's peak; so the benchmark runs in a subprocess
// with GODEBUG=gcstoptheworld=1, where each cycle sees exactly what is
// reachable, and prints that subprocess's results.
func BenchmarkCacheRelist(b *testing.B) {
	if os.Getenv(stwEnv) == "" {
		relistInSubprocess(b)
		return
	}
	n := cacheObjects()
	for _, name := range cacheClients {
		b.Run(name, func(b *testing.B) {
			srv := newWidgetServer(b, n)
			before := liveHeap()
			c := startCache(b, name, srv)
			defer c.stop()
			waitSynced(b, c.synced)
			waitFor(b, "the initial adds", func() bool { return c.seen.adds.Load() == int64(n) })
			steady := liveHeap() - before
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				waitFor(b, "the watch", func() bool { return srv.watches() == 1 })
				b.StartTimer()
				arrived := c.seen.expect(srv.lastName(), srv.lastVersion(20))
				p := peakLiveHeap(func() {
					srv.compact(b, 20)
					<-arrived
				})
				peak = max(peak, p-min(p, before))
			}
			b.ReportMetric(float64(steady), "steady-B")
			b.ReportMetric(float64(peak), "peak-B")
			b.ReportMetric(float64(peak)/float64(steady), "peak/steady")
		})
	}
}

// relistInSubprocess runs BenchmarkCacheRelist in a copy of this test
// binary with stop-the-world collections, and prints its result lines.
func relistInSubprocess(b *testing.B) {
	args := []string{"-test.run=^$", "-test.bench=^BenchmarkCacheRelist$", "-test.count=1",
		"-test.benchtime=" + flag.Lookup("test.benchtime").Value.String()}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	godebug := "gcstoptheworld=1"
	if prev := os.Getenv("GODEBUG"); prev != "" {
		godebug = prev + "," + godebug
	}
	cmd.Env = append(os.Environ(), stwEnv+"=1", "GODEBUG="+godebug)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("relist subprocess: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "BenchmarkCacheRelist/") {
			fmt.Print(line)
		}
	}
	b.Skip("measured in a subprocess with GODEBUG=gcstoptheworld=1: the lines above")
}

// peakLiveHeap runs f with the GC collecting at every 5% of heap growth,
// and returns the largest live heap a GC cycle found meanwhile.
func peakLiveHeap(f func()) uint64 {
	runtime.GC()
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	f()
	runtime.GC() // the last cycle sees the end of the relist
	close(stop)
	wg.Wait()
	return peak.Load()
}

// BenchmarkCacheRead reads from a synced cache of 10,000 objects: Get of
// one object, List of all, List of a third by label selector; each client
// with its own API (kdyn's Informer.Get/List, client-go's dynamiclister,
// controller-runtime's cache client, which deep-copies by default).
func BenchmarkCacheRead(b *testing.B) {
	n := cacheObjects()
	srv := newWidgetServer(b, n)
	caches := map[string]reader{}
	for _, name := range cacheClients {
		c := startCache(b, name, srv)
		b.Cleanup(c.stop)
		waitSynced(b, c.synced)
		caches[name] = reader{
			get:  func(ns, name string) bool { _, ok := c.get(ns, name); return ok },
			list: c.list,
		}
	}
	benchReads(b, n, "widget", cacheClients, caches)
}

// BenchmarkCacheUpdates pushes a MODIFIED event for each of the 10,000
// objects down the open watch and measures the rate at which the cache's
// handler receives them (events/s).
func BenchmarkCacheUpdates(b *testing.B) {
	n := cacheObjects()
	for _, name := range cacheClients {
		b.Run(name, func(b *testing.B) {
			srv := newWidgetServer(b, n)
			c := startCache(b, name, srv)
			defer c.stop()
			waitSynced(b, c.synced)
			var events int
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				waitFor(b, "the watch", func() bool { return srv.watches() == 1 })
				ev, changed := srv.updates(b, 1)
				want := c.seen.updates.Load() + int64(changed)
				b.StartTimer()
				start := time.Now()
				srv.push(ev, false)
				waitFor(b, "the updates", func() bool { return c.seen.updates.Load() >= want })
				elapsed += time.Since(start)
				events += changed
			}
			b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
		})
	}
}

// TestCacheSameObjects checks that the caches compared hold the same
// objects: kdyn's, with managedFields kept, equal to client-go's, and
// without them equal to the same less managedFields.
func TestCacheSameObjects(t *testing.T) {
	srv := newWidgetServer(t, 30)
	caches := map[string]*underTest{}
	for _, name := range cacheClients {
		c := startCache(t, name, srv)
		t.Cleanup(c.stop)
		waitSynced(t, c.synced)
		caches[name] = c
	}
	for i := range 30 {
		ns, name := fmt.Sprintf("team-%d", i%10), fmt.Sprintf("widget-%05d", i)
		want, ok := caches["client-go"].get(ns, name)
		if !ok {
			t.Fatalf("client-go has no %s/%s", ns, name)
		}
		for _, other := range []string{"controller-runtime", "kdyn-managedFields", "kdyn"} {
			got, ok := caches[other].get(ns, name)
			expect := want
			if other == "kdyn" {
				expect = want.DeepCopy()
				unstructured.RemoveNestedField(expect.Object, "metadata", "managedFields")
			}
			if !ok || !equality(expect, got) {
				t.Errorf("%s's %s/%s differs from client-go's", other, ns, name)
			}
		}
	}
}

func equality(a, b *unstructured.Unstructured) bool { return reflect.DeepEqual(a.Object, b.Object) }
