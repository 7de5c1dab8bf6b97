// Package e2e tests kdyn against a real kube-apiserver and etcd, built from Go
// modules and run inside the test binary (see package harness). Run it with
// `make e2e`, which links the version information /version reports.
package e2e
