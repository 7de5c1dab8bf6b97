package main

import (
	"fmt"
	"strings"
)

// goal is a target of an issue, checked against the results.
type goal struct {
	issue string
	text  string
	// check returns what was measured and whether the target is met; ok is
	// false when a benchmark it needs did not run.
	check func(r *results) (measured string, met, ok bool)
}

// lookupsCovered are the warm lookups issue 4 sets targets for.
var lookupsCovered = []string{"RESTMapping", "ResourceFor"}

// eachLookup applies f to every covered lookup at both sizes and joins what
// it measured; the target is met only if it is met for every one.
func eachLookup(f func(r *results, name string) (string, bool, bool)) func(*results) (string, bool, bool) {
	return func(r *results) (string, bool, bool) {
		var parts []string
		all := true
		for _, groups := range []int{200, 1000} {
			for _, op := range lookupsCovered {
				m, met, ok := f(r, fmt.Sprintf("WarmLookup/%s/groups=%d/", op, groups))
				if !ok {
					return "", false, false
				}
				parts = append(parts, fmt.Sprintf("%s@%d %s", op, groups, m))
				all = all && met
			}
		}
		return strings.Join(parts, ", "), all, true
	}
}

func goals() []goal {
	gs := []goal{
		{"#4", "warm RESTMapping and ResourceFor ≤ 0.2 µs (200 and 1,000 groups)", eachLookup(func(r *results, name string) (string, bool, bool) {
			v, ok := r.get(name+"kdyn", "ns/op")
			cpu, _ := r.get(name+"kdyn", "cpu-ns/op")
			return fmt.Sprintf("%s (CPU %s)", duration(v), duration(cpu)), v <= 200, ok
		})},
		{"#4", "warm RESTMapping and ResourceFor 0 allocs/op", eachLookup(func(r *results, name string) (string, bool, bool) {
			v, ok := r.get(name+"kdyn", "allocs/op")
			return count(v), v == 0, ok
		})},
		{"#4", "warm RESTMapping and ResourceFor ≥ 400× faster than both peers", eachLookup(func(r *results, name string) (string, bool, bool) {
			rw := row{value: metric(name+"%s", "ns/op")}
			cg, ok1 := rw.gainOver(r, "client-go")
			cr, ok2 := rw.gainOver(r, "controller-runtime")
			return fmt.Sprintf("%s/%s", gain(cg), gain(cr)), cg >= 400 && cr >= 400, ok1 && ok2
		})},
		{"#4", "retained heap of the mapper for 1,000 groups, with its discovery cache, ≤ ½ of client-go's", func(r *results) (string, bool, bool) {
			k, ok1 := r.get("RetainedHeap/kdyn", "retained-B")
			cg, ok2 := r.get("RetainedHeap/client-go", "retained-B")
			return fmt.Sprintf("%s vs %s (%.2f)", bytes(k), bytes(cg), k/cg), k <= cg/2, ok1 && ok2
		}},
		{"#4", "the same, the mapper's own indexes only (each side less its discovery cache)", func(r *results) (string, bool, bool) {
			k, ok1 := mapperHeap(r, "kdyn")
			cg, ok2 := mapperHeap(r, "client-go")
			return fmt.Sprintf("%s vs %s (%.2f)", bytes(k), bytes(cg), k/cg), k <= cg/2, ok1 && ok2
		}},
		{"#4", "64 goroutines scale without contention: CPU time per lookup ≤ 1.25× that of 1 goroutine, 0 allocs (wall-time speedup, bounded by the cores the machine's other load leaves free, for reference)", func(r *results) (string, bool, bool) {
			s, ok1 := speedup(r, "kdyn")
			procs, ok2 := r.get("ParallelLookup/goroutines=64/kdyn", "procs")
			cpu, ok3 := cpuGrowth(r, "kdyn")
			allocs, ok4 := r.get("ParallelLookup/goroutines=64/kdyn", "allocs/op")
			return fmt.Sprintf("CPU per lookup %s that of 1 goroutine, %s allocs; wall-time speedup %s on GOMAXPROCS %.0f", times(cpu), count(allocs), times(s), procs),
				cpu <= 1.25 && allocs == 0, ok1 && ok2 && ok3 && ok4
		}},
		{"#5", "List of 5,000 objects (JSON) ≥ 5× client-go's throughput", func(r *results) (string, bool, bool) {
			g, ok := row{value: metric("List/json/%s", "ns/op")}.gainOver(r, "client-go")
			return gain(g), g >= 5, ok
		}},
		{"#5", "List of 5,000 objects (JSON) ≤ ⅓ of client-go's allocations", func(r *results) (string, bool, bool) {
			k, ok1 := r.get("List/json/kdyn", "allocs/op")
			cg, ok2 := r.get("List/json/client-go", "allocs/op")
			return fmt.Sprintf("%s vs %s (%.2f)", count(k), count(cg), k/cg), k <= cg/3, ok1 && ok2
		}},
		{"#8", "warm restart from the disk cache past its TTL: 2 requests, 304, 0 body bytes", func(r *results) (string, bool, bool) {
			n, ok1 := r.get("WarmRestart/expired/kdyn", "requests/op")
			nm, ok2 := r.get("WarmRestart/expired/kdyn", "304s/op")
			body, ok3 := r.get("WarmRestart/expired/kdyn", "body-B/op")
			return fmt.Sprintf("%s requests, %s 304s, %s", count(n), count(nm), bytes(body)),
				n == 2 && nm == 2 && body == 0, ok1 && ok2 && ok3
		}},
	}
	return append(append(append(append(append(gs, typedGoals()...), metadataGoals()...), fleetGoals()...), cacheGoals()...), fixtureGoals()...)
}
