package main

import "fmt"

// Names of issue 15's fleet benchmarks (bench/fleet_test.go), at their full
// sizes.
const (
	fleetOne       = "FleetHeap/one/kdyn"
	fleet100       = "FleetHeap/members=100/variants=1/%s"
	fleet1000      = "FleetHeap/members=1000/variants=1/kdyn"
	fleet1000x10   = "FleetHeap/members=1000/variants=10/kdyn"
	fleetRequests  = "FleetRequests/members=1000/kdyn"
	fleetNoFaults  = "FleetFaults/faults=false/kdyn"
	fleetWithFault = "FleetFaults/faults=true/kdyn"
)

// kdynOnly reads a kdyn-only benchmark's unit; peers have no such row.
func kdynOnly(name, unit string) func(*results, string) (float64, bool) {
	return func(r *results, client string) (float64, bool) {
		if client != "kdyn" {
			return 0, false
		}
		return r.get(name, unit)
	}
}

// fleetRows are the rows of issue 15's workloads: many clusters from one
// process, the members sharing equal discovery documents.
func fleetRows() []row {
	return []row{
		{"11. fleet: retained heap of discovery + mapping, 200 groups, 1 cluster", kdynOnly(fleetOne, "retained-B"), bytes, false},
		{"11. fleet of 100 clusters, one API set: retained heap", metric(fleet100, "retained-B"), bytes, false},
		{"11. fleet of 100 clusters, one API set: retained heap per cluster", metric(fleet100, "retained-B/member"), bytes, false},
		{"11. fleet of 1,000 clusters, one API set: retained heap", kdynOnly(fleet1000, "retained-B"), bytes, false},
		{"11. fleet of 1,000 clusters, 10 API sets: retained heap", kdynOnly(fleet1000x10, "retained-B"), bytes, false},
		{"11. fleet of 1,000 clusters: requests per member, cold first mapping", kdynOnly(fleetRequests, "cold-requests/member"), count, false},
		{"11. fleet of 1,000 clusters: requests per member after its TTL", kdynOnly(fleetRequests, "ttl-requests/member"), count, false},
		{"11. fleet of 1,000 clusters: 304 answers per member after its TTL", kdynOnly(fleetRequests, "ttl-304s/member"), count, true},
		{"11. fan-out to 97 healthy clusters: last answer", kdynOnly(fleetNoFaults, "last-healthy-ns"), duration, false},
		{"11. the same beside 1 down, 1 failing aggregated API, 1 hanging: last healthy answer", kdynOnly(fleetWithFault, "last-healthy-ns"), duration, false},
	}
}

// fleetGoals are issue 15's targets.
func fleetGoals() []goal {
	// heapGoal checks name's retained heap against sets API sets of one
	// cluster's, times 1.5, plus 64 KiB per member.
	heapGoal := func(text, name string, sets, members float64) goal {
		return goal{"#15", text, func(r *results) (string, bool, bool) {
			one, ok1 := r.get(fleetOne, "retained-B")
			all, ok2 := r.get(name, "retained-B")
			limit := 1.5*sets*one + members*64*1024
			return fmt.Sprintf("%s, limit %s (one cluster %s)", bytes(all), bytes(limit), bytes(one)), all <= limit, ok1 && ok2
		}}
	}
	return []goal{
		heapGoal("1,000 clusters, one API set: retained heap ≤ 1.5× one cluster's + 64 KiB per member", fleet1000, 1, 1000),
		heapGoal("1,000 clusters, 10 API sets: retained heap ≤ 1.5× one cluster's per API set + 64 KiB per member", fleet1000x10, 10, 1000),
		{"#15", "100 clusters: retained heap ≥ 50× less than client-go's (memory-cached discovery + deferred mapper per cluster)", func(r *results) (string, bool, bool) {
			g, ok := row{value: metric(fleet100, "retained-B")}.gainOver(r, "client-go")
			return gain(g), g >= 50, ok
		}},
		{"#15", "cold first mapping: 2 requests per member; after the TTL: 2 conditional requests per member, answered 304", func(r *results) (string, bool, bool) {
			cold, ok1 := r.get(fleetRequests, "cold-requests/member")
			ttl, ok2 := r.get(fleetRequests, "ttl-requests/member")
			nm, ok3 := r.get(fleetRequests, "ttl-304s/member")
			return fmt.Sprintf("%s cold, %s after the TTL (%s answered 304)", count(cold), count(ttl), count(nm)),
				cold == 2 && ttl == 2 && nm == 2, ok1 && ok2 && ok3
		}},
		{"#15", "1 of 100 clusters down, 1 with a failing aggregated API, 1 hanging: the 97 others' last answer ≤ 1.5× that without them", func(r *results) (string, bool, bool) {
			without, ok1 := r.get(fleetNoFaults, "last-healthy-ns")
			with, ok2 := r.get(fleetWithFault, "last-healthy-ns")
			return fmt.Sprintf("%s vs %s (%s)", duration(with), duration(without), times(with/without)), with <= 1.5*without, ok1 && ok2
		}},
	}
}
