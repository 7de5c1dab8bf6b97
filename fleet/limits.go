package fleet

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Limits bound what all members of a fleet do at once, so that a process
// that (re)starts with hundreds of clusters storms neither them nor
// itself. The zero value gives the defaults.
type Limits struct {
	// DiscoveryRequests bounds the discovery requests in flight across all
	// members. 0 means 32.
	DiscoveryRequests int
	// Lists bounds the lists in flight across all members, for the caches
	// that take their turns through Fleet.ListGate. 0 means 16.
	Lists int
	// Jitter delays each member's first discovery request, and every list
	// that takes its turn through ListGate, by a random time of up to
	// Jitter, so that a restart spreads its cold starts and initial lists
	// instead of sending them all in the same instant. Later discovery
	// requests are spread by the TTL's own jitter (see
	// Options.Discovery). 0 means no delay.
	Jitter time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.DiscoveryRequests <= 0 {
		l.DiscoveryRequests = 32
	}
	if l.Lists <= 0 {
		l.Lists = 16
	}
	return l
}

// limits holds a fleet's shared semaphores. Safe for concurrent use.
type limits struct {
	jitter    time.Duration
	discovery *semaphore.Weighted
	lists     *semaphore.Weighted
}

func newLimits(l Limits) *limits {
	return &limits{
		jitter:    l.Jitter,
		discovery: semaphore.NewWeighted(int64(l.DiscoveryRequests)),
		lists:     semaphore.NewWeighted(int64(l.Lists)),
	}
}

// acquire waits, after a jittered delay if delay is set, for a slot of sem;
// it returns the slot's release, or ctx's error if ctx ends first.
func (l *limits) acquire(ctx context.Context, sem *semaphore.Weighted, delay bool) (func(), error) {
	if delay && l.jitter > 0 {
		t := time.NewTimer(rand.N(l.jitter))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	if err := sem.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return func() { sem.Release(1) }, nil
}

// discoveryGate returns the Gate of one member's discovery client: a turn
// among all the fleet's discovery requests, the first one delayed by up to
// Limits.Jitter.
func (l *limits) discoveryGate() func(ctx context.Context) (func(), error) {
	var started atomic.Bool
	return func(ctx context.Context) (func(), error) {
		return l.acquire(ctx, l.discovery, !started.Swap(true))
	}
}

// ListGate returns a function that waits for a list's turn among all the
// fleet's lists (Limits.Lists at once, each delayed by up to
// Limits.Jitter), and returns the function that ends the turn, to be
// called once when the list's request is done. It is what a cache of a
// member plugs in to bound its lists; an error is ctx's.
func (f *Fleet) ListGate() func(ctx context.Context) (release func(), err error) {
	return func(ctx context.Context) (func(), error) {
		return f.limits.acquire(ctx, f.limits.lists, true)
	}
}
