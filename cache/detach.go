package cache

import (
	"math"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kdyn/kdyn/internal/jsontree"
)

// detacher detaches each object the informer keeps from the buffer it was
// decoded from. kdyn's decoder makes decoded strings substrings of one copy
// of the list page or watch event, so a stored object would otherwise pin
// that whole copy, managedFields and all, for as long as it is cached. The
// object is rewritten in place, keeping its maps and slices (which hold no
// pointer into the buffer) and replacing every string:
//   - map keys by their interned copy, process-wide, so every object of a
//     kind shares them (a Go map stores the key of an assignment to an
//     existing string key, so no map is rebuilt);
//   - short string values (apiVersion, kind, namespaces, label keys and
//     values, condition types and statuses...) by their interned copy per
//     informer, with its boxed interface value, so repeating one costs
//     nothing;
//   - longer strings by an exact copy;
//   - with managedFields kept, each fieldsV1 tree by the one of an earlier
//     object whose tree is equal: the fields a manager owns are mostly the
//     same for every object it manages.
//
// Numbers, booleans and nulls are kept as decoded: their boxes hold no
// pointer into the buffer. Stored objects are read-only (see the package
// doc), which is what makes sharing their strings and trees safe. Not safe
// for concurrent use: each informer's reflector owns one.
type detacher struct {
	in     interner
	fields *shareTable // nil when managedFields are dropped
}

func newDetacher(keepManagedFields bool) *detacher {
	d := &detacher{}
	if keepManagedFields {
		d.fields = &shareTable{}
	}
	return d
}

// detach detaches obj, which the caller owns, in place and returns it.
func (d *detacher) detach(obj *unstructured.Unstructured) *unstructured.Unstructured {
	for k, v := range obj.Object {
		if md, ok := v.(map[string]any); ok && k == "metadata" {
			obj.Object[d.in.key(k)] = d.metadata(md)
			continue
		}
		obj.Object[d.in.key(k)] = d.value(v)
	}
	return obj
}

func (d *detacher) metadata(md map[string]any) map[string]any {
	for k, v := range md {
		if l, ok := v.([]any); ok && k == "managedFields" && d.fields != nil {
			md[d.in.key(k)] = d.managedFields(l)
			continue
		}
		md[d.in.key(k)] = d.value(v)
	}
	return md
}

func (d *detacher) managedFields(l []any) []any {
	for i, e := range l {
		em, ok := e.(map[string]any)
		if !ok {
			l[i] = d.value(e)
			continue
		}
		for k, v := range em {
			if k == "fieldsV1" {
				em[d.in.key(k)] = d.fields.share(v, d)
				continue
			}
			em[d.in.key(k)] = d.value(v)
		}
	}
	return l
}

// value detaches a decoded value: a string is replaced, a map or slice
// detached in place.
func (d *detacher) value(v any) any {
	switch x := v.(type) {
	case string:
		return d.in.value(x)
	case map[string]any:
		for k, e := range x {
			x[d.in.key(k)] = d.value(e)
		}
	case []any:
		for i, e := range x {
			x[i] = d.value(e)
		}
	}
	// int64, float64, bool, nil: their boxes hold no pointer into the
	// buffer. A Transform's values of other types are kept as they are.
	return v
}

// shareSlots bounds the trees a shareTable keeps: the few distinct field
// sets of a kind's managers. A tree is kept alive by its slot until
// replaced, so the bound is also what it may hold beyond the store.
const shareSlots = 64

// shareTable hands out one detached copy of each recently seen tree, for
// values equal to it. Not safe for concurrent use.
type shareTable struct {
	slots [shareSlots]struct {
		h uint64
		v any
	}
}

func (t *shareTable) share(v any, d *detacher) any {
	h := hashValue(v)
	sl := &t.slots[h%shareSlots]
	if sl.v != nil && sl.h == h && jsontree.Equal(sl.v, v) {
		return sl.v
	}
	c := d.value(v)
	sl.h, sl.v = h, c
	return c
}

// hashValue hashes a decoded value; map entries are combined by a sum, so
// the order a map is walked in does not matter.
func hashValue(v any) uint64 {
	switch x := v.(type) {
	case string:
		return mix(hashString(x) + 1)
	case map[string]any:
		var sum uint64
		for k, e := range x {
			sum += mix(hashString(k)*31 + hashValue(e))
		}
		return mix(sum + uint64(len(x)) + 2)
	case []any:
		h := uint64(3)
		for _, e := range x {
			h = mix(h*31 + hashValue(e))
		}
		return h
	case int64:
		return mix(uint64(x) + 4)
	case float64:
		return mix(math.Float64bits(x) + 5)
	case bool:
		if x {
			return 6
		}
		return 7
	}
	return 8
}

// mix is the finalizer of splitmix64.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}
