package discovery

import (
	"slices"
	"strings"
)

// interner makes the strings and string lists of one decoded document share
// memory. A document of a large cluster repeats the same few values
// thousands of times: every custom resource has the same verbs, every
// resource of a group-version the same group and version, and subresources
// their parent's kind. The decoder allocates each occurrence on its own; the
// parsed lists keep one copy of each value instead. The lists are read-only
// for their callers, so sharing is safe.
//
// An interner lives for one parse and is not safe for concurrent use.
type interner struct {
	strs  map[string]string
	lists map[string][]string // key: the elements joined by listSep
}

// listSep separates the elements of a list key. Names with it in them are
// not valid, but a server may send them; list checks what a key finds.
const listSep = "\x00"

func newInterner() *interner {
	return &interner{strs: make(map[string]string), lists: make(map[string][]string)}
}

// str returns the first string equal to s that the interner saw.
func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := in.strs[s]; ok {
		return c
	}
	in.strs[s] = s
	return s
}

// list returns the first list equal to l that the interner saw, with its
// elements interned. Nil and empty lists are returned as they are, so that
// an absent field stays distinguishable from an empty one.
func (in *interner) list(l []string) []string {
	if len(l) == 0 {
		return l
	}
	key := strings.Join(l, listSep)
	c, ok := in.lists[key]
	if ok && slices.Equal(c, l) {
		return c
	}
	c = make([]string, len(l))
	for i, s := range l {
		c[i] = in.str(s)
	}
	if !ok {
		in.lists[key] = c
	}
	return c
}
