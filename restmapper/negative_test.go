package restmapper

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNegativeCacheBackoff(t *testing.T) {
	c := newNegativeCache(time.Second, 4*time.Second)
	k := negKey{op: opMapping, group: "apps", name: "Deploymnet"}
	now := time.Unix(0, 0)
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		c.remember(k, now, nil)
		active, _ := c.active(k, now.Add(want-time.Nanosecond))
		assert.True(t, active, "in backoff just before %v", want)
		active, _ = c.active(k, now.Add(want))
		assert.False(t, active, "out of backoff at %v", want)
		now = now.Add(want)
	}

	t.Run("a miss long after starts over", func(t *testing.T) {
		c.remember(k, now.Add(time.Hour), nil)
		active, _ := c.active(k, now.Add(time.Hour+time.Second))
		assert.False(t, active)
	})
	t.Run("forget", func(t *testing.T) {
		c.remember(k, now, nil)
		c.forget(k)
		active, _ := c.active(k, now)
		assert.False(t, active)
	})
	t.Run("a scope is refreshed at most once per minimum backoff", func(t *testing.T) {
		mark, claimed := c.claimRefresh("apps", now)
		assert.True(t, claimed)
		again, claimed := c.claimRefresh("apps", now.Add(time.Second-1))
		assert.False(t, claimed)
		assert.Same(t, mark, again, "later misses wait for the running refresh")
		_, claimed = c.claimRefresh("batch", now)
		assert.True(t, claimed)
		_, claimed = c.claimRefresh("apps", now.Add(time.Second))
		assert.True(t, claimed)
		mark.finish()
		mark.finish()
		<-again.done
	})
	t.Run("bounded", func(t *testing.T) {
		for i := range maxNegEntries + 10 {
			c.remember(negKey{name: string(rune(i))}, now, nil)
		}
		assert.LessOrEqual(t, len(c.entries), maxNegEntries)
	})
}
