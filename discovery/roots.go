package discovery

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// roots returns a snapshot whose root documents are fresh, refreshing them
// (2 requests, conditional when ETags are known) when they are not, and the
// entries those documents left out as invalid. While aggregated discovery
// marks a group-version Stale, the roots are revalidated on every call,
// within the TTL too, as client-go refetches a failed group on its next
// call: the conditional requests cost a 304 while nothing changed, and the
// group is back as soon as its server is. A failure of such a revalidation
// within the TTL is not the caller's: the snapshot still answers, Stale
// entries and all.
func (c *Client) roots(ctx context.Context) (*snapshot, []*InvalidEntryError, error) {
	s := c.snap.Load()
	invalid, fresh := c.freshRoots()
	fresh = fresh && s.complete()
	if fresh && !hasStale(s) {
		return s, invalid, nil
	}
	res, err := c.shared(ctx, rootKey, c.refreshRoots)
	if err != nil {
		if fresh && ctx.Err() == nil {
			return s, invalid, nil
		}
		return nil, nil, err
	}
	r := res.(*rootsResult)
	return r.snap, r.invalid, nil
}

// freshRoots reports whether the roots were validated within the TTL, and
// the entries they left out as invalid, kept with that mark.
func (c *Client) freshRoots() ([]*InvalidEntryError, bool) {
	v, ok := c.fresh.Get(rootKey)
	invalid, _ := v.([]*InvalidEntryError)
	return invalid, ok
}

// rootsResult is what a refresh of the roots hands its callers.
type rootsResult struct {
	snap    *snapshot
	invalid []*InvalidEntryError
}

// hasStale reports whether a root document of s marks a group-version Stale.
func hasStale(s *snapshot) bool {
	for _, r := range s.roots {
		if r != nil && len(r.doc.stale) > 0 {
			return true
		}
	}
	return false
}

// refreshRoots fetches /api and /apis concurrently and publishes them
// together: either both are refreshed or neither. The entries they left out
// as invalid are kept with the roots' freshness, for the calls within the
// TTL; a document with such entries keeps no ETag, so that it is fetched
// and checked whole after the TTL (not answered 304, whose answer would not
// say what was left out), and is not written to the disk cache.
func (c *Client) refreshRoots(ctx context.Context) (any, error) {
	gen, ticket := c.gen.Load(), c.tickets.Add(1)
	prev := c.snap.Load()
	if invalid, fresh := c.freshRoots(); fresh && prev.complete() && !hasStale(prev) {
		return &rootsResult{snap: prev, invalid: invalid}, nil // refreshed by the flight that ended just before this one
	}
	if !prev.complete() && c.diskTrusted.Load() {
		c.loadRoots(ticket)
	}
	prev = c.snap.Load()
	var fetched [2]fetchedRoot
	g, gctx := errgroup.WithContext(ctx)
	for i := range fetched {
		g.Go(func() (err error) {
			fetched[i], err = c.fetchRoot(gctx, i, prev.roots[i])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	next := [2]*root{fetched[rootCore].root, fetched[rootAPIs].root}
	s := c.update(func(s *snapshot) *snapshot {
		if s.roots == next {
			return s // both 304: nothing to rebuild
		}
		return c.withRoots(s, next, ticket)
	})
	if fetched[rootCore].changed || fetched[rootAPIs].changed {
		c.disk.saveSnapshot(s)
	}
	invalid := slices.Concat(fetched[rootCore].invalid, fetched[rootAPIs].invalid)
	c.markFreshWith(rootKey, invalid, 0, gen)
	c.disk.touchRoots()
	return &rootsResult{snap: s, invalid: invalid}, nil
}

// fetchedRoot is one root document's fetch.
type fetchedRoot struct {
	root *root
	// changed is false when the server answered 304 Not Modified.
	changed bool
	// invalid lists the entries the document left out.
	invalid []*InvalidEntryError
}

// fetchRoot gets root document i, conditionally when prev carries an ETag.
func (c *Client) fetchRoot(ctx context.Context, i int, prev *root) (fetchedRoot, error) {
	path := rootPaths[i]
	var etag string
	if prev != nil {
		etag = prev.etag
	}
	resp, err := c.get(ctx, path, acceptDiscovery, etag)
	switch {
	case err != nil && i == rootCore && apierrors.IsNotFound(err):
		// Servers without a core group, aggregated API servers among them, answer 404.
		return fetchedRoot{root: &root{doc: &rootDoc{}}, changed: true}, nil
	case err != nil:
		return fetchedRoot{}, err
	case resp.notModified:
		return fetchedRoot{root: prev}, nil
	}
	doc, invalid, err := c.opts.Store.root(path, resp.contentType, resp.body, func() (*rootDoc, []*InvalidEntryError, error) {
		return parseServedRoot(path, resp.contentType, resp.body)
	})
	if err != nil {
		return fetchedRoot{}, fmt.Errorf("discovery: get %s: %w", path, err)
	}
	if len(invalid) > 0 {
		return fetchedRoot{root: &root{doc: doc}, changed: true, invalid: invalid}, nil
	}
	c.disk.saveRoot(i, resp)
	return fetchedRoot{root: &root{doc: doc, etag: resp.etag}, changed: true}, nil
}

// loadRoots installs the root documents of the disk cache, if any, as the
// validators of the next refresh. They are never answers on their own: a
// process that starts on a disk cache revalidates them with their ETags (2
// conditional requests, 304 with no body when nothing changed), so a CRD
// installed while no process ran is seen at once.
func (c *Client) loadRoots(ticket uint64) {
	var loaded [2]*root
	for i := range loaded {
		if r, _, ok := c.disk.loadRoot(i); ok {
			loaded[i] = r
		}
	}
	if loaded[rootCore] == nil && loaded[rootAPIs] == nil {
		return
	}
	c.update(func(s *snapshot) *snapshot { return s.withRoots(loaded, ticket) })
}
