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
// path shows up as less. The report divides the two ns/op, and the two
// cpu-ns/op, which on a shared machine shows contention even when the
// neighbours take the cores: without it a lookup costs the same CPU time
// however many goroutines run.
func BenchmarkParallelLookup(b *testing.B) {
	groups := groupsFor(200)
	srv := serve(b, groups)
	t := targetOf(groups)
	for _, name := range peers {
		m := newMapper(b, name, srv)
		warm(b, m, t)
		b.Run("goroutines=1/"+name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := m.RESTMapping(t.gk); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run("goroutines=64/"+name, func(b *testing.B) {
			b.ReportAllocs()
			// RunParallel starts parallelism×GOMAXPROCS goroutines.
			b.SetParallelism(max(parallelism/runtime.GOMAXPROCS(0), 1))
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.RESTMapping(t.gk); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportCPU(b, cpu)
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
		})
	}
}
