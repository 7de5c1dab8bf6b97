// Package bench measures kdyn side by side with client-go and
// controller-runtime, in one process and one run, on fixture clusters served
// over loopback. Every workload lives in its own _test.go file; cmd/report
// turns the output of `go test -bench` into the table of RESULTS.md.
package bench
