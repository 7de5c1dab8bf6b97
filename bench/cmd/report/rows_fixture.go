package main

import "fmt"

// Issue 14's figures come from the e2e module (make bench appends the
// output of its BenchmarkTestServers): what an operator's test waits for
// before its first assertion, kdyn's fixture server in the kdyn column
// beside kube-apiserver with etcd (what envtest starts for
// controller-runtime users) in the controller-runtime column.
const (
	serverStart    = "TestServers/TestServerStart/%s"
	firstReconcile = "TestServers/FirstReconcile/%s"
)

// fixtureRows are issue 14's rows.
func fixtureRows() []row {
	return []row{
		{"12. test API server start (kdyn: fixture server of the k8s-1.37 recording; controller-runtime: kube-apiserver + etcd, as envtest)", metric(serverStart, "ns/op"), duration, false},
		{"12. first reconcile of a controller-runtime manager against that server", metric(firstReconcile, "ns/op"), duration, false},
	}
}

// fixtureGoals are issue 14's targets for the fixture server.
func fixtureGoals() []goal {
	within := func(text, name string, limit float64) goal {
		return goal{"#14", text, func(r *results) (string, bool, bool) {
			k, ok := r.get(fmt.Sprintf(name, "kdyn"), "ns/op")
			measured := duration(k)
			if real, ok := r.get(fmt.Sprintf(name, "controller-runtime"), "ns/op"); ok {
				measured += fmt.Sprintf(" (kube-apiserver + etcd: %s)", duration(real))
			}
			return measured, k <= limit, ok
		}}
	}
	return []goal{
		within("fixture server start on the k8s-1.37 recording ≤ 50 ms", serverStart, 50e6),
		within("first reconcile of a controller-runtime manager against the fixture server ≤ 300 ms", firstReconcile, 300e6),
	}
}
