package main

import "fmt"

// cacheObjects is the size of issue 12's workloads.
const cacheObjects = 10000

// kdynKeeping reads kdyn keeping managedFields, as the peers do, in the kdyn
// column, and the peers as they are.
func kdynKeeping(pattern, unit string) func(*results, string) (float64, bool) {
	return func(r *results, client string) (float64, bool) {
		if client == "kdyn" {
			client = "kdyn-managedFields"
		}
		return r.get(fmt.Sprintf(pattern, client), unit)
	}
}

// cacheRows are the rows of issue 12's workloads: an informer cache of
// 10,000 custom resources (~2 KB each with managedFields), kdyn's beside
// client-go's dynamic informer and controller-runtime's cache.
func cacheRows() []row {
	const l = "10. cache of 10,000 CRs"
	return []row{
		{l + ": time to sync", metric("CacheSync/%s", "ns/op"), duration, false},
		{l + ": CPU time to sync", metric("CacheSync/%s", "cpu-ns/op"), duration, false},
		{l + ": retained heap after sync", metric("CacheSync/%s", "retained-B"), bytes, false},
		{l + ", managedFields kept by kdyn too: retained heap", kdynKeeping("CacheSync/%s", "retained-B"), bytes, false},
		{l + ": live heap at the peak of a relist after 410", metric("CacheRelist/%s", "peak-B"), bytes, false},
		{l + ": relist peak ÷ steady heap", metric("CacheRelist/%s", "peak/steady"), times, false},
		{l + ": Get from the cache", metric("CacheRead/get/%s", "ns/op"), duration, false},
		{l + ": Get allocs", metric("CacheRead/get/%s", "allocs/op"), count, false},
		{l + ": List all", metric("CacheRead/list/%s", "ns/op"), duration, false},
		{l + ": List all allocs", metric("CacheRead/list/%s", "allocs/op"), count, false},
		{l + ": List by label (a third)", metric("CacheRead/list-selector/%s", "ns/op"), duration, false},
		{l + ": List by label allocs", metric("CacheRead/list-selector/%s", "allocs/op"), count, false},
		{l + ": update events delivered to a handler", metric("CacheUpdates/%s", "events/s"), rate("/s"), true},
	}
}

// cacheGoals are issue 12's targets.
func cacheGoals() []goal {
	ratio := func(text, name, unit string, kdyn string, limit float64) goal {
		return goal{"#12", text, func(r *results) (string, bool, bool) {
			k, ok1 := r.get(fmt.Sprintf(name, kdyn), unit)
			cg, ok2 := r.get(fmt.Sprintf(name, "client-go"), unit)
			return fmt.Sprintf("%s vs %s (%.2f)", bytes(k), bytes(cg), k/cg), k <= limit*cg, ok1 && ok2
		}}
	}
	return []goal{
		ratio("retained heap of 10,000 CRs ≤ 0.4× client-go's dynamic informer", "CacheSync/%s", "retained-B", "kdyn", 0.4),
		ratio("the same with managedFields kept on both sides ≤ 0.7×", "CacheSync/%s", "retained-B", "kdyn-managedFields", 0.7),
		{"#12", "sync of 10,000 CRs ≥ 4× faster than client-go's dynamic informer (controller-runtime's cache for reference)", func(r *results) (string, bool, bool) {
			rw := row{value: metric("CacheSync/%s", "ns/op")}
			cg, ok1 := rw.gainOver(r, "client-go")
			cr, ok2 := rw.gainOver(r, "controller-runtime")
			cpu, ok3 := row{value: metric("CacheSync/%s", "cpu-ns/op")}.gainOver(r, "client-go")
			return fmt.Sprintf("%s, CPU time %s (controller-runtime %s)", gain(cg), gain(cpu), gain(cr)), cg >= 4, ok1 && ok2 && ok3
		}},
		{"#12", "live heap during a relist ≤ 1.2× the steady heap", func(r *results) (string, bool, bool) {
			k, ok1 := r.get("CacheRelist/kdyn", "peak/steady")
			km, ok2 := r.get("CacheRelist/kdyn-managedFields", "peak/steady")
			cg, ok3 := r.get("CacheRelist/client-go", "peak/steady")
			return fmt.Sprintf("%s, %s with managedFields (client-go %s)", times(k), times(km), times(cg)), k <= 1.2 && km <= 1.2, ok1 && ok2 && ok3
		}},
		{"#12", "cache Get and List allocate nothing per object", func(r *results) (string, bool, bool) {
			get, ok1 := r.get("CacheRead/get/kdyn", "allocs/op")
			all, ok2 := r.get("CacheRead/list/kdyn", "allocs/op")
			sel, ok3 := r.get("CacheRead/list-selector/kdyn", "allocs/op")
			per := func(v float64) string { return fmt.Sprintf("%.4f", v/cacheObjects) }
			return fmt.Sprintf("Get %s allocs; List %s allocs for 10,000 objects (%s per object), by label %s (%s per object: its result slice growing)",
					count(get), count(all), per(all), count(sel), per(sel)),
				get == 0 && all <= 1 && sel <= 20, ok1 && ok2 && ok3
		}},
	}
}
