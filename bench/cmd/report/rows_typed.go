package main

import "fmt"

// typedFormats are the wire formats of the typed List workload.
var typedFormats = []struct{ name, label string }{{"json", "JSON"}, {"protobuf", "protobuf"}}

// typedRows are the rows of issue 16's workload: a typed List of 5,000
// pods into *corev1.PodList, kdyn's typed client beside client-go's
// Clientset (and controller-runtime's client in JSON).
func typedRows() []row {
	var rs []row
	for _, f := range typedFormats {
		name := "TypedList/" + f.name + "/%s"
		label := "8. typed List of 5,000 pods, " + f.label
		rs = append(rs,
			row{label + ": time", metric(name, "ns/op"), duration, false},
			row{label + ": CPU time", metric(name, "cpu-ns/op"), duration, false},
			row{label + ": throughput", metric(name, "MB/s"), rate("MB/s"), true},
			row{label + ": allocs", metric(name, "allocs/op"), count, false},
			row{label + ": bytes allocated", metric(name, "B/op"), bytes, false},
		)
	}
	return rs
}

// typedGoals are issue 16's targets against client-go's Clientset.
func typedGoals() []goal {
	var gs []goal
	for _, f := range typedFormats {
		name := "TypedList/" + f.name + "/%s"
		want := map[string]float64{"json": 2, "protobuf": 1.2}[f.name]
		gs = append(gs,
			goal{"#16", fmt.Sprintf("typed List of 5,000 pods (%s) ≥ %.1f× the throughput of client-go's Clientset", f.label, want), func(r *results) (string, bool, bool) {
				wall, ok1 := row{value: metric(name, "ns/op")}.gainOver(r, "client-go")
				cpu, ok2 := row{value: metric(name, "cpu-ns/op")}.gainOver(r, "client-go")
				return fmt.Sprintf("%s (CPU time %s)", gain(wall), gain(cpu)), wall >= want, ok1 && ok2
			}},
			goal{"#16", fmt.Sprintf("typed List of 5,000 pods (%s): fewer allocations than client-go's Clientset", f.label), func(r *results) (string, bool, bool) {
				k, ok1 := r.get(fmt.Sprintf(name, "kdyn"), "allocs/op")
				cg, ok2 := r.get(fmt.Sprintf(name, "client-go"), "allocs/op")
				return fmt.Sprintf("%s vs %s (%.2f)", count(k), count(cg), k/cg), k < cg, ok1 && ok2
			}},
		)
	}
	return gs
}
