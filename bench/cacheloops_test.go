package bench

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// started is a cache of a sync benchmark, started and not yet synced:
// its HasSynced, the adds its handler counted and how to stop it.
type started struct {
	synced func() bool
	adds   *atomic.Int64
	stop   func()
}

// benchSync is the loop of the sync benchmarks (BenchmarkCacheSync,
// BenchmarkCacheMetaSync, BenchmarkTypedInformerSync): the time from
// starting a cache of n objects to its sync (ns/op), the process's CPU
// time meanwhile (cpu-ns/op), and the heap the synced cache retains after
// a full GC with its n adds delivered (retained-B, B/object). Between
// runs, it waits for the server's watches to close.
func benchSync(b *testing.B, n int, watches func() int, start func() started) {
	var retained uint64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		before := liveHeap()
		b.StartTimer()
		cpuStart := cpuTime()
		c := start()
		waitSynced(b, c.synced)
		cpu += cpuTime() - cpuStart
		b.StopTimer()
		waitFor(b, "the initial adds", func() bool { return c.adds.Load() == int64(n) })
		after := liveHeap()
		runtime.KeepAlive(c)
		retained += after - min(after, before)
		c.stop()
		waitFor(b, "the watches to close", func() bool { return watches() == 0 })
		b.StartTimer()
	}
	b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
	b.ReportMetric(float64(retained)/float64(b.N)/float64(n), "B/object")
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// reader is a synced cache of the read benchmarks, through its own API.
type reader struct {
	get  func(ns, name string) bool
	list func(sel labels.Selector) int
}

// benchReads is the body of the read benchmarks (BenchmarkCacheRead,
// BenchmarkTypedInformerRead): for each cache named, Get of one object,
// List of all n, and List of the third labelled tier=web; objects are
// named prefix-%05d in namespaces team-0 to team-9.
func benchReads(b *testing.B, n int, prefix string, names []string, caches map[string]reader) {
	keys := make([][2]string, n)
	for i := range keys {
		keys[i] = [2]string{fmt.Sprintf("team-%d", i%10), fmt.Sprintf("%s-%05d", prefix, i)}
	}
	web := labels.SelectorFromSet(labels.Set{"tier": "web"})
	ops := []struct {
		name string
		run  func(b *testing.B, c reader)
	}{
		{"get", func(b *testing.B, c reader) {
			i := 0
			for b.Loop() {
				k := keys[i%n]
				if !c.get(k[0], k[1]) {
					b.Fatalf("no %s/%s", k[0], k[1])
				}
				i++
			}
		}},
		{"list", func(b *testing.B, c reader) {
			for b.Loop() {
				if got := c.list(labels.Everything()); got != n {
					b.Fatalf("listed %d, want %d", got, n)
				}
			}
		}},
		{"list-selector", func(b *testing.B, c reader) {
			for b.Loop() {
				if got := c.list(web); got != (n+2)/3 {
					b.Fatalf("listed %d, want %d", got, (n+2)/3)
				}
			}
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			for _, name := range names {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					op.run(b, caches[name])
				})
			}
		})
	}
}
