package mapdec

import (
	"hash/maphash"
	"math"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/internal/jsontree"
)

// Shape of a Decoder's table of shared maps: a direct-mapped table of the
// maps converted recently, by the hash of the entries they came from.
// Maps of more entries rarely repeat, and cost more to hash.
const (
	shareSlots       = 256
	maxSharedEntries = 16
	fieldsSlots      = 64
)

// sharedMap is a map converted earlier: its Go type, the entries it was
// converted from (a detached copy), and the map itself.
type sharedMap struct {
	h   uint64
	typ reflect.Type
	src map[string]any
	val any // the map, as an interface holding it
}

// shareTable hands out one converted map for equal maps of scalars:
// labels and selectors repeated within an object (a Deployment's selector
// and its template's labels), annotations, node selectors and resource
// lists repeated across objects. Converted objects are read-only, which
// is what makes sharing their maps safe. Not safe for concurrent use.
type shareTable struct {
	slots *[shareSlots]sharedMap // allocated on first use
}

// hashFlat hashes m's entries, in any order, salted with the map type's
// salt; ok is false for a map that is not shared: too large, or holding
// objects or arrays.
func (d *Decoder) hashFlat(m map[string]any, salt uint64) (h uint64, ok bool) {
	if len(m) == 0 || len(m) > maxSharedEntries {
		return 0, false
	}
	seed := d.in.hashSeed()
	var sum uint64
	for k, v := range m {
		hv, ok := hashScalar(seed, v)
		if !ok {
			return 0, false
		}
		sum += mix(maphash.String(seed, k)*31 + hv)
	}
	return mix(sum + uint64(len(m)) + salt), true
}

func hashScalar(seed maphash.Seed, v any) (uint64, bool) {
	switch x := v.(type) {
	case string:
		return maphash.String(seed, x), true
	case int64:
		return mix(uint64(x) + 1), true
	case float64:
		return mix(math.Float64bits(x) + 2), true
	case bool:
		if x {
			return 3, true
		}
		return 4, true
	case nil:
		return 5, true
	}
	return 0, false
}

// mix is the finalizer of MurmurHash3: it spreads the bits of a sum.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb53fe63a9a87
	h ^= h >> 33
	return h
}

// find returns the map of type t converted earlier from entries equal to
// m's, whose hash is h.
func (s *shareTable) find(t reflect.Type, h uint64, m map[string]any) (any, bool) {
	if s.slots == nil {
		return nil, false
	}
	sl := &s.slots[h%shareSlots]
	if sl.val == nil || sl.h != h || sl.typ != t || len(sl.src) != len(m) {
		return nil, false
	}
	for k, v := range m {
		if have, ok := sl.src[k]; !ok || have != v { // scalars only: comparable
			return nil, false
		}
	}
	return sl.val, true
}

// keep remembers val, of type t, converted from m, whose hash is h, in
// place of what its slot held.
func (s *shareTable) keep(d *Decoder, t reflect.Type, h uint64, m map[string]any, val any) {
	if s.slots == nil {
		s.slots = new([shareSlots]sharedMap)
	}
	src := make(map[string]any, len(m))
	for k, v := range m {
		if str, ok := v.(string); ok {
			v = d.in.str(str)
		}
		src[d.in.str(k)] = v
	}
	s.slots[h%shareSlots] = sharedMap{h: h, typ: t, src: src, val: val}
}

// hashTree hashes a decoded JSON value, maps in any order.
func (d *Decoder) hashTree(v any) uint64 {
	seed := d.in.hashSeed()
	switch x := v.(type) {
	case map[string]any:
		var sum uint64
		for k, e := range x {
			sum += mix(maphash.String(seed, k)*31 + d.hashTree(e))
		}
		return mix(sum + uint64(len(x)) + 7)
	case []any:
		h := uint64(len(x)) + 11
		for _, e := range x {
			h = mix(h*31 + d.hashTree(e))
		}
		return h
	}
	h, _ := hashScalar(seed, v)
	return h
}

// fieldsTable hands out one FieldsV1, and with it one copy of its bytes,
// for equal fieldsV1 trees. Not safe for concurrent use.
type fieldsTable struct {
	slots *[fieldsSlots]struct {
		h      uint64
		src    any
		fields metav1.FieldsV1
	}
}

func (t *fieldsTable) find(h uint64, tree map[string]any) (metav1.FieldsV1, bool) {
	if t.slots == nil {
		return metav1.FieldsV1{}, false
	}
	sl := &t.slots[h%fieldsSlots]
	if sl.src == nil || sl.h != h || !jsontree.Equal(sl.src, tree) {
		return metav1.FieldsV1{}, false
	}
	return sl.fields, true
}

func (t *fieldsTable) keep(h uint64, src any, f metav1.FieldsV1) {
	if t.slots == nil {
		t.slots = new([fieldsSlots]struct {
			h      uint64
			src    any
			fields metav1.FieldsV1
		})
	}
	sl := &t.slots[h%fieldsSlots]
	sl.h, sl.src, sl.fields = h, src, f
}
