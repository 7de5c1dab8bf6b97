package cache

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// shareSetSlots is the size of a shareSet: room for the distinct label sets,
// owners... that recur among an informer's recent objects. A value is kept
// alive by its slot until replaced, so this also bounds what a set holds
// beyond the store.
const shareSetSlots = 128

// shareSet remembers recently kept values by hash, so that an equal value
// can be replaced by the kept one: a direct-mapped table, whose slots are
// allocated on first use. Not safe for concurrent use.
type shareSet[V any] struct {
	slots *[shareSetSlots]sharedValue[V]
}

type sharedValue[V any] struct {
	h   uint64
	v   V
	set bool
}

// find returns the kept value equal to v, whose hash is h.
func (s *shareSet[V]) find(h uint64, v V, equal func(a, b V) bool) (V, bool) {
	if s.slots != nil {
		if sl := &s.slots[h%shareSetSlots]; sl.set && sl.h == h && equal(sl.v, v) {
			return sl.v, true
		}
	}
	var zero V
	return zero, false
}

// keep remembers v, whose hash is h, in place of what its slot held.
func (s *shareSet[V]) keep(h uint64, v V) {
	if s.slots == nil {
		s.slots = new([shareSetSlots]sharedValue[V])
	}
	s.slots[h%shareSetSlots] = sharedValue[V]{h: h, v: v, set: true}
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
