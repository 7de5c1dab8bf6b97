package cache

import (
	"strings"
	"unique"
)

// Shape of an informer's intern table: a direct-mapped table of recently
// seen strings, each with its boxed copy, checked before anything is
// copied. Values longer than maxInternLen (UIDs, long names, messages)
// are rarely repeated and are copied instead.
const (
	internSlots  = 1024
	maxInternLen = 32
)

// internSlot is one entry of the table. hot marks an entry found again
// since it was stored: a miss that lands on a hot entry clears the mark
// instead of evicting it, so the strings every object repeats (keys,
// "True", a label value) stay while the strings of one object pass by.
type internSlot struct {
	s   string
	box any // s as an interface value, made when s is first a value
	hot bool
}

// interner gives each repeated string of an informer's objects one copy,
// and each repeated string value one boxed copy, detached from the buffers
// the objects were decoded from. Map keys are interned process-wide
// through the unique package, whose entries go away with their last
// user. An interner is not safe for concurrent use: each informer's
// reflector owns one.
type interner struct {
	slots *[internSlots]internSlot // allocated on first use
}

// key returns the canonical copy of a map key.
func (in *interner) key(k string) string {
	sl := in.slot(k)
	if sl.s == k { // an empty slot matches "", which needs no copy anyway
		sl.hot = true
		return sl.s
	}
	canon := unique.Make(k).Value()
	in.store(sl, canon, nil)
	return canon
}

// value returns a string value as an interface holding a copy of it that
// shares nothing with s's buffer: the interned copy for short strings.
func (in *interner) value(s string) any {
	if len(s) > maxInternLen {
		return strings.Clone(s)
	}
	if s == "" {
		return ""
	}
	sl := in.slot(s)
	if sl.s == s {
		sl.hot = true
		if sl.box == nil {
			sl.box = sl.s
		}
		return sl.box
	}
	c := strings.Clone(s)
	var box any = c
	in.store(sl, c, box)
	return box
}

// str returns the informer's copy of a short string equal to s, and s
// itself if it is long or not seen recently. Unlike value it copies
// nothing: s must be a string of its own, not part of a buffer the
// informer does not keep (as the strings of decoded metav1 types are).
func (in *interner) str(s string) string {
	if len(s) > maxInternLen || s == "" {
		return s
	}
	sl := in.slot(s)
	if sl.s == s {
		sl.hot = true
		return sl.s
	}
	in.store(sl, s, nil)
	return s
}

func (in *interner) slot(s string) *internSlot {
	if in.slots == nil {
		in.slots = new([internSlots]internSlot)
	}
	return &in.slots[hashString(s)%internSlots]
}

// store puts s in sl unless sl holds a hot entry, which only loses its mark.
func (in *interner) store(sl *internSlot, s string, box any) {
	if sl.hot {
		sl.hot = false
		return
	}
	sl.s, sl.box = s, box
}

// hashString is FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
