package discovery

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// roots returns a snapshot whose root documents are fresh, refreshing them
// (2 requests, conditional when ETags are known) when they are not. While
// aggregated discovery marks a group-version Stale, the roots are
// revalidated on every call, within the TTL too, as client-go refetches a
// failed group on its next call: the conditional requests cost a 304 while
// nothing changed, and the group is back as soon as its server is. A failure
// of such a revalidation within the TTL is not the caller's: the snapshot
// still answers, Stale entries and all.
func (c *Client) roots(ctx context.Context) (*snapshot, error) {
	s := c.snap.Load()
	fresh := s.complete() && c.isFresh(rootKey)
	if fresh && !hasStale(s) {
		return s, nil
	}
	next, err := c.shared(ctx, rootKey, c.refreshRoots)
	if err != nil {
		if fresh && ctx.Err() == nil {
			return s, nil
		}
		return nil, err
	}
	return next.(*snapshot), nil
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
// together: either both are refreshed or neither.
func (c *Client) refreshRoots(ctx context.Context) (any, error) {
	gen, ticket := c.gen.Load(), c.tickets.Add(1)
	prev := c.snap.Load()
	if prev.complete() && c.isFresh(rootKey) && !hasStale(prev) {
		return prev, nil // refreshed by the flight that ended just before this one
	}
	if !prev.complete() && c.diskTrusted.Load() {
		c.loadRoots(ticket)
	}
	prev = c.snap.Load()
	var next [2]*root
	var changed [2]bool
	g, gctx := errgroup.WithContext(ctx)
	for i := range next {
		g.Go(func() (err error) {
			next[i], changed[i], err = c.fetchRoot(gctx, i, prev.roots[i])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s := c.update(func(s *snapshot) *snapshot {
		if s.roots == next {
			return s // both 304: nothing to rebuild
		}
		return s.withRoots(next, ticket)
	})
	if changed[rootCore] || changed[rootAPIs] {
		c.disk.saveSnapshot(s)
	}
	c.markFresh(rootKey, 0, gen)
	c.disk.touchRoots()
	return s, nil
}

// fetchRoot gets root document i, conditionally when prev carries an ETag.
// changed is false when the server answered 304 Not Modified.
func (c *Client) fetchRoot(ctx context.Context, i int, prev *root) (r *root, changed bool, err error) {
	path := rootPaths[i]
	var etag string
	if prev != nil {
		etag = prev.etag
	}
	resp, err := c.get(ctx, path, acceptDiscovery, etag)
	switch {
	case err != nil && i == rootCore && apierrors.IsNotFound(err):
		// Servers without a core group, aggregated API servers among them, answer 404.
		return &root{doc: &rootDoc{}}, true, nil
	case err != nil:
		return nil, false, err
	case resp.notModified:
		return prev, false, nil
	}
	doc, err := parseRoot(path, resp.contentType, resp.body)
	if err != nil {
		return nil, false, fmt.Errorf("discovery: get %s: %w", path, err)
	}
	c.disk.saveRoot(i, resp)
	return &root{doc: doc, etag: resp.etag}, true, nil
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
