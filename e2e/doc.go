// Package e2e tests kdyn against a real kube-apiserver v1.37.2 and etcd, built
// from Go modules and run inside the test binary (see package harness): one
// server for the whole binary, started in TestMain, with the CRDs of
// testdata/crds installed; a second one with the CBORServingAndStorage gate
// lives only during TestCBOR.
//
// Run it with `make e2e` from the repository root, which links the version
// information /version reports (-ldflags -X k8s.io/component-base/version...).
// To rewrite ../testdata/clusters/k8s-1.37 with `kdyn record` output:
//
//	cd e2e && go test -ldflags "<the flags of make e2e>" -run TestRecordedCluster . -args -update
//
// The server logs to $TMPDIR/kdyn-e2e-<name>.log, etcd to kdyn-e2e-<name>-etcd.log.
package e2e
