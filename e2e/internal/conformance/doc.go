// Package conformance is a differential conformance suite: scripted
// scenarios, each a list of requests (steps), are played against two API
// servers — the real kube-apiserver of the e2e harness and kdyn's fixture
// server — and their answers compared after normalization: status code,
// Content-Type, Warning headers, the body (a Status with its reason,
// message and causes, an object, a list, a Table) and, for watches, the
// sequence of events.
//
// What two correct servers may answer differently is normalized away, each
// transcript on its own and in order of appearance: uids, object
// resourceVersions, generated name suffixes (so that the third uid of one
// transcript must stand where the third of the other does), timestamps,
// list and bookmark resourceVersions and continue tokens (which count
// writes the scenario does not make: the real server's leases and
// endpoints), and the order of a Status's causes, which kube-openapi
// reports in map order. Every remaining difference names its scenario, step
// and field; the ones the fixture cannot reasonably match are listed in
// Explanations, each with why, and mirrored in the fixture package's docs.
package conformance
