package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"

	kdiscovery "github.com/kdyn/kdyn/discovery"
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

// BenchmarkRetainedDiscoveryHeap is the part of BenchmarkRetainedHeap that
// the discovery cache holds on its own: kdyn's discovery client and
// client-go's memory-cached discovery client after reading every group and
// resource list of the 1,000-group cluster. controller-runtime's mapper has
// no separate discovery cache.
func BenchmarkRetainedDiscoveryHeap(b *testing.B) {
	srv := serve(b, groupsFor(1000))
	builds := map[string]func() any{
		"kdyn": func() any {
			d, err := kdiscovery.NewForConfig(srv.Config(), kdiscovery.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := d.GroupsAndResources(context.Background()); err != nil {
				b.Fatal(err)
			}
			return d
		},
		"client-go": func() any {
			dc, err := discovery.NewDiscoveryClientForConfig(clientGoConfig(srv))
			if err != nil {
				b.Fatal(err)
			}
			cached := memory.NewMemCacheClient(dc)
			if _, _, err := cached.ServerGroupsAndResources(); err != nil {
				b.Fatal(err)
			}
			return cached
		},
	}
	for _, name := range peers[:2] {
		b.Run(name, func(b *testing.B) {
			var retained uint64
			for b.Loop() {
				retained += retainedBy(b, builds[name])
			}
			b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
		})
	}
}

// retainedBy returns how much the live heap grew by what build returns,
// measured while the result is still reachable.
func retainedBy[T any](b *testing.B, build func() T) uint64 {
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
