package main

import "fmt"

// metadataFormats are the wire formats of the metadata-only List workload.
var metadataFormats = []struct{ name, label string }{{"protobuf", "protobuf"}, {"json", "JSON"}}

// metadataRows are the rows of issue 13's workload: a metadata-only List
// of 5,000 pods, kdyn's metadata mode beside client-go's metadata client.
func metadataRows() []row {
	var rs []row
	for _, f := range metadataFormats {
		name := "MetadataList/" + f.name + "/%s"
		label := "9. metadata-only List of 5,000 pods, " + f.label
		rs = append(rs,
			row{label + ": time", metric(name, "ns/op"), duration, false},
			row{label + ": CPU time", metric(name, "cpu-ns/op"), duration, false},
			row{label + ": allocs", metric(name, "allocs/op"), count, false},
			row{label + ": bytes allocated", metric(name, "B/op"), bytes, false},
		)
	}
	const l = "14. metadata-only informer of 10,000 CRs (client-go: metadatainformer)"
	return append(rs,
		row{l + ": time to sync", metric("CacheMetaSync/%s", "ns/op"), duration, false},
		row{l + ": CPU time to sync", metric("CacheMetaSync/%s", "cpu-ns/op"), duration, false},
		row{l + ": retained heap after sync", metric("CacheMetaSync/%s", "retained-B"), bytes, false},
		row{l + ": allocs to sync", metric("CacheMetaSync/%s", "allocs/op"), count, false},
	)
}

// metadataGoals are issue 13's List target against client-go's metadata
// client, in both formats.
func metadataGoals() []goal {
	var gs []goal
	for _, f := range metadataFormats {
		name := "MetadataList/" + f.name + "/%s"
		gs = append(gs, goal{"#13", fmt.Sprintf("metadata-only List of 5,000 pods (%s) ≥ 2× client-go's metadata client", f.label), func(r *results) (string, bool, bool) {
			wall, ok1 := row{value: metric(name, "ns/op")}.gainOver(r, "client-go")
			cpu, ok2 := row{value: metric(name, "cpu-ns/op")}.gainOver(r, "client-go")
			return fmt.Sprintf("%s (CPU time %s)", gain(wall), gain(cpu)), wall >= 2, ok1 && ok2
		}})
	}
	heap := func(r *results, client string) (float64, bool) {
		return r.get("CacheMetaSync/"+client, "retained-B")
	}
	gs = append(gs,
		goal{"#13", "metadata-only informer of 10,000 CRs ≤ 0.1× the retained heap of kdyn's full cache of them", func(r *results) (string, bool, bool) {
			k, ok1 := heap(r, "kdyn")
			w, ok2 := heap(r, "kdyn-whole")
			return fmt.Sprintf("%s vs %s (%.2f)", bytes(k), bytes(w), k/w), k <= w/10, ok1 && ok2
		}},
		goal{"#13", "the same ≤ 0.5× client-go's metadatainformer", func(r *results) (string, bool, bool) {
			k, ok1 := heap(r, "kdyn")
			cg, ok2 := heap(r, "client-go")
			return fmt.Sprintf("%s vs %s (%.2f)", bytes(k), bytes(cg), k/cg), k <= cg/2, ok1 && ok2
		}},
	)
	return gs
}
