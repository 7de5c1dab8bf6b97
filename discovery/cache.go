package discovery

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The memory cache has two parts. Data lives in the snapshot behind
// Client.snap, kept after it expires so that it can be revalidated with its
// ETag and served as last good data. Freshness lives in Client.fresh, a
// go-cache whose items expire after Options.TTL: an item present means "no
// need to ask the server", an item missing means "revalidate before
// answering". Failures never set an item, so they are retried on the next
// call instead of being cached as answers.

// Keys of Client.fresh.
const (
	rootKey    = "root"    // both root documents, fetched together; the item holds the entries they left out
	versionKey = "version" // GET /version; the item holds the *version.Info
)

// gvKey is the key of a legacy group-version document.
func gvKey(gv schema.GroupVersion) string { return "gv:" + gv.String() }

// isFresh reports whether key was validated within the TTL.
func (c *Client) isFresh(key string) bool {
	_, ok := c.fresh.Get(key)
	return ok
}

// markFresh records that key was validated now, or, for data read from the
// disk cache, age ago; data older than the TTL is not marked, and neither is
// data whose refresh started before the invalidation generation moved past gen.
func (c *Client) markFresh(key string, age time.Duration, gen uint64) {
	c.markFreshWith(key, struct{}{}, age, gen)
}

// markFreshWith is markFresh keeping v with the mark, for the calls that
// the mark answers (the roots keep the entries they left out).
func (c *Client) markFreshWith(key string, v any, age time.Duration, gen uint64) {
	if c.gen.Load() != gen {
		return
	}
	if left := c.opts.TTL - age; left > 0 {
		c.fresh.Set(key, v, left)
	}
}

// shared runs refresh once for all concurrent callers with the same key. The
// refresh runs on a context that no caller's cancellation reaches, bounded by
// Options.Timeout, so one impatient caller cannot fail it for the others;
// each caller waits on its own ctx and leaves when that is done.
func (c *Client) shared(ctx context.Context, key string, refresh func(ctx context.Context) (any, error)) (any, error) {
	ch := c.flight.DoChan(key, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
		defer cancel()
		return refresh(rctx)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		return res.Val, res.Err
	}
}

// update publishes f's successor of the current snapshot, with the pending
// legacy entries folded in. Writers are serialized so that none loses
// another's change; f must not do I/O.
func (c *Client) update(f func(*snapshot) *snapshot) *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap.Load()
	if len(c.pending) > 0 {
		s = s.withEntries(c.pending)
		c.pending = nil
	}
	next := f(s)
	c.snap.Store(next)
	// Cleared only once next is published, so that a reader that finds no
	// pending entry finds them all in snap.
	c.npending.Store(0)
	return next
}

// record adds a refreshed legacy entry to the pending ones, which the next
// reader (current) or writer (update) folds into a snapshot: all the entries
// of a GroupsAndResources refresh are published at once, where publishing
// each alone copied the whole entry map, O(N²) for N group-versions. Of two
// entries for one group-version, the later refresh's (higher ticket) stays.
func (c *Client) record(gv schema.GroupVersion, e *gvEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.pending[gv]; old != nil && old.ticket > e.ticket {
		return
	}
	if c.pending == nil {
		c.pending = map[schema.GroupVersion]*gvEntry{}
	}
	c.pending[gv] = e
	c.npending.Store(int64(len(c.pending)))
}

// current returns the newest snapshot with every recorded entry in it. With
// nothing pending, the steady state, it takes no lock.
func (c *Client) current() *snapshot {
	if c.npending.Load() == 0 {
		return c.snap.Load()
	}
	return c.update(func(s *snapshot) *snapshot { return s })
}

// entry returns gv's newest entry, pending or published, without folding
// the pending ones: each refresh of a GroupsAndResources looks up its own.
func (c *Client) entry(gv schema.GroupVersion) *gvEntry {
	if c.npending.Load() > 0 {
		c.mu.Lock()
		e := c.pending[gv]
		c.mu.Unlock()
		if e != nil {
			return e
		}
	}
	return c.snap.Load().gvs[gv]
}
