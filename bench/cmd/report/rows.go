package main

import (
	"fmt"
	"math"
)

// clients are the table's columns, in order.
var clients = []string{"kdyn", "client-go", "controller-runtime"}

// row is one line of the table: a value per client and how to compare them.
type row struct {
	label  string
	value  func(r *results, client string) (float64, bool)
	format formatter
	// higher is true for rates, where more is better; costs are false.
	higher bool
}

// metric reads unit of the benchmark named by pattern with the client
// substituted for its %s.
func metric(pattern, unit string) func(*results, string) (float64, bool) {
	return func(r *results, client string) (float64, bool) {
		return r.get(fmt.Sprintf(pattern, client), unit)
	}
}

// gainOver returns how many times better kdyn's value is than peer's.
func (rw row) gainOver(r *results, peer string) (float64, bool) {
	k, ok1 := rw.value(r, "kdyn")
	p, ok2 := rw.value(r, peer)
	if !ok1 || !ok2 {
		return 0, false
	}
	if rw.higher {
		k, p = p, k
	}
	if k == 0 {
		if p == 0 {
			return 1, true
		}
		return math.Inf(1), true
	}
	return p / k, true
}

// speedup is the throughput of 64 goroutines over that of one.
func speedup(r *results, client string) (float64, bool) {
	one, ok1 := r.get("ParallelLookup/goroutines=1/"+client, "ns/op")
	many, ok2 := r.get("ParallelLookup/goroutines=64/"+client, "ns/op")
	if !ok1 || !ok2 || many == 0 {
		return 0, false
	}
	return one / many, true
}

// cpuGrowth is the CPU time of a lookup among 64 goroutines over that of a
// lookup alone: 1 without contention.
func cpuGrowth(r *results, client string) (float64, bool) {
	one, ok1 := r.get("ParallelLookup/goroutines=1/"+client, "cpu-ns/op")
	many, ok2 := r.get("ParallelLookup/goroutines=64/"+client, "cpu-ns/op")
	if !ok1 || !ok2 || one == 0 {
		return 0, false
	}
	return many / one, true
}

func rows() []row {
	rs := []row{
		{"1. cold first RESTMapping, aggregated, 200 groups: requests", metric("ColdMapping/aggregated/%s", "requests/op"), count, false},
		{"1. cold first RESTMapping, aggregated, 200 groups: wall time", metric("ColdMapping/aggregated/%s", "ns/op"), duration, false},
		{"1. cold first RESTMapping, legacy, 200 groups: requests", metric("ColdMapping/legacy/%s", "requests/op"), count, false},
		{"1. cold first RESTMapping, legacy, 200 groups: wall time", metric("ColdMapping/legacy/%s", "ns/op"), duration, false},
		{"2. warm restart, disk cache within TTL: requests", metric("WarmRestart/fresh/%s", "requests/op"), count, false},
		{"2. warm restart, disk cache within TTL: wall time", metric("WarmRestart/fresh/%s", "ns/op"), duration, false},
		{"2. warm restart, disk cache past TTL: requests", metric("WarmRestart/expired/%s", "requests/op"), count, false},
		{"2. warm restart, disk cache past TTL: 304 answers", metric("WarmRestart/expired/%s", "304s/op"), count, true},
		{"2. warm restart, disk cache past TTL: body bytes", metric("WarmRestart/expired/%s", "body-B/op"), bytes, false},
		{"2. warm restart, disk cache past TTL: wall time", metric("WarmRestart/expired/%s", "ns/op"), duration, false},
	}
	for _, groups := range []int{200, 1000} {
		for _, op := range []string{"RESTMapping", "ResourceFor", "KindFor", "Expand"} {
			name := fmt.Sprintf("WarmLookup/%s/groups=%d/%%s", op, groups)
			label := fmt.Sprintf("3. warm %s, %d groups", op, groups)
			rs = append(rs,
				row{label + ": time", metric(name, "ns/op"), duration, false},
				row{label + ": CPU time", metric(name, "cpu-ns/op"), duration, false},
				row{label + ": allocs", metric(name, "allocs/op"), count, false})
		}
	}
	rs = append(rs,
		row{"4. List 5,000 pods, JSON: time", metric("List/json/%s", "ns/op"), duration, false},
		row{"4. List 5,000 pods, JSON: CPU time", metric("List/json/%s", "cpu-ns/op"), duration, false},
		row{"4. List 5,000 pods, JSON: throughput", metric("List/json/%s", "MB/s"), rate("MB/s"), true},
		row{"4. List 5,000 pods, JSON: allocs", metric("List/json/%s", "allocs/op"), count, false},
		row{"4. List 5,000 pods, JSON: bytes allocated", metric("List/json/%s", "B/op"), bytes, false},
		row{"4. List 5,000 pods, kdyn CBOR vs peers' JSON: time", cbor("ns/op"), duration, false},
		row{"4. List 5,000 pods, kdyn CBOR vs peers' JSON: CPU time", cbor("cpu-ns/op"), duration, false},
		row{"4. List 5,000 pods, kdyn CBOR vs peers' JSON: objects/s", cbor("objects/s"), rate("/s"), true},
		row{"4. List 5,000 pods, kdyn CBOR vs peers' JSON: allocs", cbor("allocs/op"), count, false},
		row{"4. List 5,000 pods, kdyn CBOR vs peers' JSON: bytes allocated", cbor("B/op"), bytes, false},
		row{"5. watch, 10,000 events: events/s", metric("Watch/%s", "events/s"), rate("/s"), true},
		row{"5. watch, 10,000 events: CPU time", metric("Watch/%s", "cpu-ns/op"), duration, false},
		row{"5. watch, 10,000 events: allocs", metric("Watch/%s", "allocs/op"), count, false},
		row{"6. retained heap, discovery + mapping of 1,000 groups", metric("RetainedHeap/%s", "retained-B"), bytes, false},
		row{"6. of which the discovery cache alone", metric("RetainedDiscoveryHeap/%s", "retained-B"), bytes, false},
		row{"6. of which the mapper's own indexes (difference)", mapperHeap, bytes, false},
		row{"7. RESTMapping throughput, 64 goroutines ÷ 1 goroutine", speedup, times, true},
		row{"7. RESTMapping CPU time per lookup, 64 goroutines ÷ 1 goroutine", cpuGrowth, times, false},
		row{"7. RESTMapping, 64 goroutines: time per lookup", metric("ParallelLookup/goroutines=64/%s", "ns/op"), duration, false},
	)
	return append(append(append(append(append(append(rs, typedRows()...), metadataRows()...), fleetRows()...), cacheRows()...), fixtureRows()...), typedViewRows()...)
}

// mapperHeap is the retained heap of mapping less that of the discovery
// cache alone.
func mapperHeap(r *results, client string) (float64, bool) {
	all, ok1 := r.get("RetainedHeap/"+client, "retained-B")
	disco, ok2 := r.get("RetainedDiscoveryHeap/"+client, "retained-B")
	return all - disco, ok1 && ok2
}

// cbor reads kdyn's CBOR List and the peers' JSON List.
func cbor(unit string) func(*results, string) (float64, bool) {
	return func(r *results, client string) (float64, bool) {
		if client == "kdyn" {
			return r.get("List/cbor/kdyn", unit)
		}
		return r.get("List/json/"+client, unit)
	}
}
