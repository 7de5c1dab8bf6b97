package conformance

import "strings"

// Explanation is a kind of difference the fixture does not remove, and why.
// The fixture package's docs list the same ones.
type Explanation struct {
	ID, Why string
	Covers  func(d Difference) bool
}

// Explanations are the differences the suite accepts. Each covers as
// little as it can: one field of one kind of answer.
var Explanations = []Explanation{
	{
		ID: "watch-cache-words",
		Why: "the harness makes PodTemplates bypass kube-apiserver's watch cache, so that an etcd compaction expires them; " +
			"etcd then words a compacted watch \"The resourceVersion for the provided watch is too old.\", while the watch cache, " +
			"which serves every resource of a cluster by default, says \"too old resource version: N (M)\", as the fixture does",
		Covers: func(d Difference) bool {
			return strings.HasPrefix(d.Field, "events[") && strings.HasSuffix(d.Field, ".object.message") &&
				d.Real == `"The resourceVersion for the provided watch is too old."` && strings.Contains(d.Fixture, "too old resource version")
		},
	},
	{
		ID: "go-restful-415",
		Why: "kube-apiserver answers a PATCH whose Content-Type no route consumes either from go-restful's router " +
			"(\"415: Unsupported Media Type\", empty details) or from its patch handler (naming the accepted types), " +
			"depending on the order its routes are tried, which changes between runs; the fixture answers as the handler",
		Covers: func(d Difference) bool {
			return d.Kind == "Status" && (d.Field == "body.message" && d.Real == `"415: Unsupported Media Type"` ||
				d.Field == "body.details" && d.Real == "{}" && d.Fixture == "")
		},
	},
	{
		ID: "crd-status-managers",
		Why: "a CRD's status (accepted names, conditions) is written by kube-apiserver's apiextensions controllers, whose " +
			"managedFields entries name the process (\"e2e.test\" in the harness, kube-apiserver in a cluster); " +
			"the fixture sets the status itself with the request, and records no entry for it",
		Covers: func(d Difference) bool {
			return d.Kind == "CustomResourceDefinition" && strings.Contains(d.Field, ".managedFields[")
		},
	},
}

// explain returns the ID of the first Explanation that covers d, or "".
func explain(d Difference) string {
	for _, e := range Explanations {
		if e.Covers(d) {
			return e.ID
		}
	}
	return ""
}
