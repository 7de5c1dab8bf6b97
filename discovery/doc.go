// Package discovery tells what an API server serves: its version, API groups,
// the resources of each group-version, and its OpenAPI documents. It is built
// for the callers that ask often (REST mappers, generic controllers, CLIs)
// and so cares about one thing above all: the number of requests.
//
// # Requests
//
// Aggregated discovery (Kubernetes 1.26 and later) answers the whole
// cluster, every group, version and resource, in two requests: GET /api and
// GET /apis with an Accept header that asks for apidiscovery.k8s.io/v2 (or
// v2beta1) APIGroupDiscoveryList. The response's Content-Type says which
// format came back; a server that answers plain JSON gets legacy discovery,
// which needs one more request per group-version. Those are made lazily
// (Resources asks for one group-version only) or, for GroupsAndResources and
// PreferredResources, at most Options.Parallelism at a time.
//
// Discovery requests bypass the rest client's QPS limiter: they are few, and
// everything else waits on them.
//
// Every method's documentation states its cost, cold and warm.
//
// # Caching
//
// Answers are kept in memory for Options.TTL (10 minutes by default). After
// that, documents are revalidated with their ETag (If-None-Match): an
// unchanged document costs a 304 and no body. Concurrent callers share one
// refresh; each waits only as long as its own context allows, while the
// refresh runs to completion (bounded by Options.Timeout) for the others.
// Failures are never cached as answers: the next call tries again.
// Invalidate makes the next calls fetch everything anew; InvalidateGroup
// makes the next call revalidate, which is how a REST mapper sees a CRD
// installed a moment ago.
//
// With Options.CacheDir the documents are also kept on disk, in kubectl's
// --cache-dir layout, so that a new process starts warm: it revalidates the
// root documents with their ETags (2 conditional requests, 304 with no body
// when nothing changed) instead of fetching them, and with legacy discovery
// reuses the group-version documents younger than the TTL.
//
// # Partial failure
//
// A group-version that cannot be discovered (its aggregated API server
// answers 503, or aggregated discovery marks it Stale) does not hide the
// others: methods return the healthy data together with a *PartialError that
// maps each failed group-version to its cause. The last good data of a failed
// group-version, when there is some, is kept and served.
//
// # Aggregated and legacy views
//
// Both formats decode to the same legacy shapes (metav1.APIGroupList,
// metav1.APIResourceList); the tests check that they agree on every recorded
// cluster in testdata/clusters. What aggregated discovery cannot carry is
// left empty: APIResource.StorageVersionHash, and the groups'
// ServerAddressByClientCIDRs. The group and version of a resource's kind are
// either spelled out or "" for the list's own group-version; both mean the
// same and are passed on as sent (kube-apiserver spells them out for custom
// resources in aggregated documents only).
//
// A Client is safe for concurrent use. Results are shared with its cache and
// must not be modified.
package discovery
