package fleet

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRendezvous: members spread evenly, and a replica joining or leaving
// moves only its share.
func TestRendezvous(t *testing.T) {
	members := make([]string, 3000)
	for i := range members {
		members[i] = fmt.Sprintf("cluster-%04d", i)
	}
	three := []string{"r0", "r1", "r2"}
	before := map[string]string{}
	count := map[string]int{}
	for _, m := range members {
		before[m] = owner(m, three)
		count[before[m]]++
		assert.Equal(t, before[m], owner(m, []string{"r2", "r0", "r1"}), "order does not matter")
	}
	for _, r := range three {
		assert.InDelta(t, 1000, count[r], 150, "%s's share", r)
	}

	moved := 0
	for _, m := range members {
		now := owner(m, append(three, "r3"))
		if now != before[m] {
			assert.Equal(t, "r3", now, "a join moves members only to the joiner")
			moved++
		}
	}
	assert.InDelta(t, 750, moved, 150, "the joiner takes about a quarter")

	for _, m := range members {
		now := owner(m, []string{"r0", "r2"})
		if before[m] != "r1" {
			assert.Equal(t, before[m], now, "a leave moves only the leaver's members")
		} else {
			assert.NotEqual(t, "r1", now)
		}
	}
	assert.Empty(t, owner("x", nil))
}
