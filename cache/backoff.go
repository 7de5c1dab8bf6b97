package cache

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is an exponential backoff with jitter: the n-th wait in a row is
// between half and all of min·2ⁿ, capped at max. Not safe for concurrent
// use.
type backoff struct {
	min, max time.Duration
	next     time.Duration // the cap of the next wait; 0 before the first
}

func newBackoff(min, max time.Duration) backoff { return backoff{min: min, max: max} }

// delay returns the next wait and doubles the one after.
func (b *backoff) delay() time.Duration {
	if b.next == 0 {
		b.next = b.min
	}
	d := b.next
	b.next = min(2*b.next, b.max)
	return d/2 + rand.N(d/2+1)
}

// reset starts the next failure over at min.
func (b *backoff) reset() { b.next = 0 }

// wait sleeps the next delay; false if ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	return sleep(ctx, b.delay())
}

// sleep waits d unless ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
