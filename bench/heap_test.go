package bench

import (
	"fmt"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// BenchmarkRetainedHeap is the memory a program keeps for mapping: the heap
// still reachable, after a full GC, once a new mapper has done discovery and
// answered a RESTMapping in each of 1,000 CRD groups, while the program
// holds the mapper. ns/op is the time of that whole warm-up.
func BenchmarkRetainedHeap(b *testing.B) {
	groups := groupsFor(1000)
	srv := serve(b, groups)
	gks := make([]schema.GroupKind, groups)
	for g := range gks {
		gks[g] = schema.GroupKind{Group: fmt.Sprintf("group%03d.example.com", g), Kind: "Widget001"}
	}
	for _, name := range peers {
		b.Run(name, func(b *testing.B) {
			var retained uint64
			for b.Loop() {
				retained += retainedBy(b, func() meta.RESTMapper {
					m := newMapper(b, name, srv)
					for _, gk := range gks {
						if _, err := m.RESTMapping(gk); err != nil {
							b.Fatal(err)
						}
					}
					return m
				})
			}
			b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
		})
	}
}

// retainedBy returns how much the live heap grew by what build returns,
// measured while the result is still reachable.
func retainedBy(b *testing.B, build func() meta.RESTMapper) uint64 {
	b.StopTimer()
	before := liveHeap()
	b.StartTimer()
	m := build()
	b.StopTimer()
	after := liveHeap()
	runtime.KeepAlive(m)
	b.StartTimer()
	if after < before {
		return 0
	}
	return after - before
}

// liveHeap is the heap in use after two full collections, so that objects
// freed by finalizers are gone too.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
