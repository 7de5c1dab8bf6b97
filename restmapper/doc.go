// Package restmapper maps between kinds and resources of a Kubernetes API
// server from its discovery documents.
//
// Mapper answers exactly as client-go's discovery-based mapper
// (restmapper.NewDiscoveryRESTMapper over GetAPIGroupResources) would for the
// same documents, including its ordering, its odd corners (lower-case kinds,
// guessed singulars, "<Kind>List" kinds) and its error types, but it keeps
// immutable per-group indexes so that a lookup for a known kind takes no lock
// and allocates nothing. It loads discovery lazily, one group at a time, and
// refreshes a group when a lookup misses in it, with a backed-off negative
// cache so that a misspelt kind in a hot loop cannot hammer the API server.
package restmapper
