package discovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// roots returns a snapshot whose root documents are fresh, refreshing them
// (2 requests, conditional when ETags are known) when they are not.
func (c *Client) roots(ctx context.Context) (*snapshot, error) {
	if s := c.snap.Load(); s.complete() && c.isFresh(rootKey) {
		return s, nil
	}
	// An Invalidate between the refresh and the Load below empties the
	// snapshot; refresh again rather than answer with nothing.
	for range 3 {
		if _, err := c.shared(ctx, rootKey, c.refreshRoots); err != nil {
			return nil, err
		}
		if s := c.snap.Load(); s.complete() {
			return s, nil
		}
	}
	return nil, errors.New("discovery: invalidated during every refresh")
}

// refreshRoots fetches /api and /apis concurrently and publishes them
// together: either both are refreshed or neither.
func (c *Client) refreshRoots(ctx context.Context) (any, error) {
	gen, ticket := c.gen.Load(), c.tickets.Add(1)
	prev := c.snap.Load()
	if prev.complete() && c.isFresh(rootKey) {
		return nil, nil // refreshed by the flight that ended just before this one
	}
	if !prev.complete() && c.loadRoots(gen, ticket) {
		return nil, nil
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
	if changed[rootCore] || changed[rootAPIs] {
		s := c.update(func(s *snapshot) *snapshot { return s.withRoots(next, ticket) })
		c.disk.saveSnapshot(s)
	}
	c.markFresh(rootKey, 0, gen)
	c.disk.touchRoots()
	return nil, nil
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
// validators of the next refresh. It reports whether they are fresh enough to
// answer without asking the server.
func (c *Client) loadRoots(gen, ticket uint64) bool {
	var loaded [2]*root
	var oldest time.Duration
	complete := true
	for i := range loaded {
		r, age, ok := c.disk.loadRoot(i)
		if !ok {
			complete = false
			continue
		}
		loaded[i] = r
		oldest = max(oldest, age)
	}
	if loaded[rootCore] == nil && loaded[rootAPIs] == nil {
		return false
	}
	c.update(func(s *snapshot) *snapshot { return s.withRoots(loaded, ticket) })
	if !complete || !c.diskTrusted.Load() || oldest >= c.opts.TTL {
		return false
	}
	c.markFresh(rootKey, oldest, gen)
	return true
}
