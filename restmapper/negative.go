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

	mu      sync.Mutex // guards entries
	entries map[negKey]negEntry
}

// maxNegEntries bounds the cache against callers that look up endless
// distinct misspellings.
const maxNegEntries = 10000

func newNegativeCache(min, max time.Duration) *negativeCache {
	return &negativeCache{min: min, max: max, entries: make(map[negKey]negEntry)}
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
	if e, ok := c.entries[k]; ok {
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

func (c *negativeCache) forget(k negKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

func (c *negativeCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
