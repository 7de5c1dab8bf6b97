package cache

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// shareSetSize is the number of values a shareSet's generation holds:
// room for the distinct label sets, owners... that recur among an
// informer's recent objects. A set keeps up to two generations alive
// beyond the store.
const shareSetSize = 256

// shareSet remembers recently kept values by hash, so that an equal value
// can be replaced by the kept one. It holds two generations: values go
// into the current one, and when it is full it becomes the previous one
// and the one before is dropped; a value found in the previous generation
// moves to the current. So values that recur stay, at no cost for
// collisions, while values seen once pass by. Not safe for concurrent use.
type shareSet[V any] struct {
	cur, prev map[uint64]V
}

// find returns the kept value equal to v, whose hash is h.
func (s *shareSet[V]) find(h uint64, v V, equal func(a, b V) bool) (V, bool) {
	if kept, ok := s.cur[h]; ok && equal(kept, v) {
		return kept, true
	}
	if kept, ok := s.prev[h]; ok && equal(kept, v) {
		s.keep(h, kept)
		return kept, true
	}
	var zero V
	return zero, false
}

// keep remembers v, whose hash is h.
func (s *shareSet[V]) keep(h uint64, v V) {
	if len(s.cur) >= shareSetSize {
		s.prev, s.cur = s.cur, nil
	}
	if s.cur == nil {
		s.cur = make(map[uint64]V, min(shareSetSize, 2*len(s.prev)+8))
	}
	s.cur[h] = v
}

// hashStringMap hashes a map's entries, in any order.
func hashStringMap(m map[string]string) uint64 {
	var sum uint64
	for k, v := range m {
		sum += mix(hashString(k)*31 + hashString(v))
	}
	return mix(sum + uint64(len(m)))
}

func hashStrings(l []string) uint64 {
	h := uint64(len(l))
	for _, s := range l {
		h = mix(h*31 + hashString(s))
	}
	return h
}

func hashOwners(l []metav1.OwnerReference) uint64 {
	h := uint64(len(l))
	for _, o := range l {
		h = mix(h*31 + hashString(o.Name))
		h = mix(h*31 + hashString(string(o.UID)))
		h = mix(h*31 + hashString(o.Kind))
	}
	return h
}

// hashBytes is FNV-1a, as hashString.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
