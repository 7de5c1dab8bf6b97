// Package fleet talks to many clusters from one process: tens to thousands
// of members, each with its own discovery client, REST mapper and dynamic
// client, built when first used.
//
// # Fan-out
//
// Each and Map call a function for every member, a bounded number at a
// time, and return one result or error per member; errors are
// *ClusterError naming the member. A cluster that is down answers its
// error at once; one that hangs holds one slot until its context ends
// (Options.EachTimeout) while the others go on; one whose aggregated API
// server fails (a 503, a Stale group) answers for its healthy groups, as
// kdyn's discovery and mapper do for one cluster.
//
// # Shared discovery
//
// Most clusters of a fleet serve the same API set, byte for byte. Members
// whose discovery documents are equal share one parsed document and one
// set of mapper indexes (see discovery.Store and restmapper.Store), so a
// thousand such clusters cost little more memory than one. Each member
// still fetches and revalidates its own documents: after its TTL, two
// conditional requests answered 304 while nothing changed. A member whose
// documents change moves to the shared copy of its new documents, and a
// removed member leaves nothing behind in the stores.
//
// # Limits
//
// Options.Limits bound the discovery requests and the lists of all
// members together, with jitter, so that a process that restarts with
// hundreds of members spreads their cold starts instead of sending them
// all at once.
//
// # Sharding
//
// Replicas of a controller split the members between them through the
// Kubernetes API of a management cluster (see Sharded): each replica holds
// a coordination.k8s.io/v1 Lease that it renews, and each member goes to
// the live replica that rendezvous hashing ranks first for it, so that a
// replica joining or leaving moves only its share. A replica that cannot
// renew its Lease gives its members up before any other replica may take
// them over, so that no member is served by two replicas at once.
//
// A Fleet is safe for concurrent use. Removing a member leaves nothing of
// it reachable from the Fleet.
package fleet
