// Package harness runs a real kube-apiserver backed by an embedded etcd inside
// the test process, for kdyn's end-to-end tests.
//
// Start brings up etcd on free loopback ports and kube-apiserver through
// k8s.io/kubernetes' test server, and writes two kubeconfigs that reach it: one
// authenticating with a bearer token, one with a client certificate signed by a
// CA the harness generates. Stop shuts both down and removes every file.
//
// A Server is meant to be started once per test binary, from TestMain. Feature
// gates are process-wide in kube-apiserver, so a second Server with different
// gates (the CBOR one) should live only for the duration of the tests that need it.
//
// The test binary must be linked with -ldflags -X for
// k8s.io/component-base/version (gitVersion and friends); otherwise /version
// reports v0.0.0-master. It must not be built with -trimpath: the test server
// finds its serving-certificate fixtures through runtime.Caller.
package harness
