package mapdec

import (
	"hash/maphash"
	"strings"
)

// Shape of a Decoder's intern table: a direct-mapped table of recently
// seen strings, checked before a string is copied. Strings longer than
// maxInternLen (UIDs, long names, messages) rarely repeat and are copied.
const (
	internSlots  = 1024
	maxInternLen = 32
)

// internSlot is one entry of the table. hot marks an entry found again
// since it was stored: a miss that lands on a hot entry clears the mark
// instead of evicting it, so the strings every object repeats stay while
// the strings of one object pass by.
type internSlot struct {
	s   string
	hot bool
}

// interner gives each repeated short string one copy. Not safe for
// concurrent use.
type interner struct {
	seed  maphash.Seed             // made on first use
	slots *[internSlots]internSlot // allocated on first use
}

// hashSeed returns the seed of the Decoder's hashes.
func (in *interner) hashSeed() maphash.Seed {
	if in.slots == nil {
		in.seed = maphash.MakeSeed()
		in.slots = new([internSlots]internSlot)
	}
	return in.seed
}

// str returns a copy of s that shares no memory with s: the interned one
// for short strings.
func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > maxInternLen {
		return strings.Clone(s)
	}
	sl := &in.slots[maphash.String(in.hashSeed(), s)%internSlots]
	if sl.s == s {
		sl.hot = true
		return sl.s
	}
	c := strings.Clone(s)
	if sl.hot {
		sl.hot = false
	} else {
		sl.s = c
	}
	return c
}
