package bench

import (
	"runtime"
	"testing"
)

// parallelism is the number of goroutines of the contended run.
const parallelism = 64

// BenchmarkParallelLookup is warm RESTMapping from 1 goroutine and from 64
// at once at 200 groups. On n cores the best a lock-free mapper can do is
// n times the single-goroutine throughput; a lock or a shared allocation
// path shows up as less. The report divides the two ns/op.
func BenchmarkParallelLookup(b *testing.B) {
	groups := groupsFor(200)
	srv := serve(b, groups)
	t := targetOf(groups)
	for _, name := range peers {
		m := newMapper(b, name, srv)
		warm(b, m, t)
		b.Run("goroutines=1/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.RESTMapping(t.gk); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("goroutines=64/"+name, func(b *testing.B) {
			b.ReportAllocs()
			// RunParallel starts parallelism×GOMAXPROCS goroutines.
			b.SetParallelism(max(parallelism/runtime.GOMAXPROCS(0), 1))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.RESTMapping(t.gk); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
		})
	}
}
