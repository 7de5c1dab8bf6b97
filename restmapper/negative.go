package restmapper

import (
	"sync"
	"time"
)

// negKey identifies a lookup that missed.
type negKey struct {
	op       string
	group    string
	version  string
	name     string
	versions string
}

type negEntry struct {
	until time.Time
	delay time.Duration
	err   error // for failed discovery calls: the error to repeat
}

// negativeCache remembers misses so that repeating one does not reach the API
// server again until its backoff has passed; the backoff doubles with each
// miss that a refresh did not cure. It is safe for concurrent use.
type negativeCache struct {
	min, max time.Duration

	mu      sync.Mutex // guards entries and refreshed
	entries map[negKey]negEntry
	// refreshed holds when each scope was last refreshed. A scope refreshed
	// less than min ago is fresh enough for any miss in it, so that many
	// distinct misses (a scan of names, a typo per loop turn) cost one
	// refresh, not one each.
	refreshed map[string]*refreshMark
}

// refreshMark records a refresh of a scope. done is closed when it ends, so
// that misses arriving while it runs wait for it rather than miss.
type refreshMark struct {
	at   time.Time
	done chan struct{}
	once sync.Once
}

func (r *refreshMark) finish() { r.once.Do(func() { close(r.done) }) }

// maxNegEntries bounds the cache against callers that look up endless
// distinct misspellings.
const maxNegEntries = 10000

func newNegativeCache(min, max time.Duration) *negativeCache {
	return &negativeCache{min: min, max: max, entries: make(map[negKey]negEntry), refreshed: make(map[string]*refreshMark)}
}

// active returns whether k is in backoff at now, and the error remembered
// with it.
func (c *negativeCache) active(k negKey, now time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.until) {
		return false, nil
	}
	return true, e.err
}

// remember records a miss of k at now, doubling its previous backoff.
func (c *negativeCache) remember(k negKey, now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delay := c.min
	// A miss that comes back long after its backoff ended starts over.
	if e, ok := c.entries[k]; ok && now.Sub(e.until) < c.max {
		delay = min(2*e.delay, c.max)
	}
	if len(c.entries) >= maxNegEntries {
		c.evict(now)
	}
	c.entries[k] = negEntry{until: now.Add(delay), delay: delay, err: err}
}

// evict drops expired entries, or all of them if none has expired. Dropping
// an entry only shortens a backoff.
func (c *negativeCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= maxNegEntries {
		clear(c.entries)
	}
}

// claimRefresh returns whether scope may be refreshed at now, and the mark
// of its refresh: a new one the caller must finish if claimed, else the
// recent one to wait for.
func (c *negativeCache) claimRefresh(scope string, now time.Time) (*refreshMark, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if last, ok := c.refreshed[scope]; ok && now.Sub(last.at) < c.min {
		return last, false
	}
	if len(c.refreshed) >= maxNegEntries {
		clear(c.refreshed)
	}
	mark := &refreshMark{at: now, done: make(chan struct{})}
	c.refreshed[scope] = mark
	return mark, true
}

func (c *negativeCache) forget(k negKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

func (c *negativeCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	clear(c.refreshed)
}
