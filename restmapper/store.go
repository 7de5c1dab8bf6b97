package restmapper

import (
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"weak"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Store shares indexes between the Mappers given it (Options.Store) that
// read the same discovery documents: the same *metav1.APIGroupList and
// *metav1.APIResourceList values, which kdyn's discovery clients hand out
// for byte-equal documents when they share a discovery.Store. Mappers of a
// fleet of clusters that serve the same API set then share one group list,
// one index per group and, once they have loaded the same groups, one
// snapshot, and with it its lookup tables. A lookup reads exactly what it
// would read without the Store: indexes are shared only when built from
// the same documents, none with a failed group-version.
//
// The Store holds its entries weakly: an entry lives while a Mapper's
// snapshot uses it, so nothing of a Mapper that is gone stays reachable
// from it. A Store is safe for concurrent use; its zero value is not
// usable, call NewStore.
type Store struct {
	seed maphash.Seed

	mu     sync.Mutex // guards lists, groups and snaps; never held during a discovery call
	lists  map[weak.Pointer[metav1.APIGroupList]]weak.Pointer[groupList]
	groups map[groupKey]weak.Pointer[groupIndex]
	snaps  map[snapKey]weak.Pointer[snapshot]
}

// groupKey finds the shared index of a group by its name and the first of
// the resource lists it was built from; the rest are checked on a hit.
type groupKey struct {
	name  string
	first weak.Pointer[metav1.APIResourceList]
	n     int
}

// snapKey finds a shared snapshot by its group list and a hash of its
// group indexes; the indexes are compared on a hit.
type snapKey struct {
	list weak.Pointer[groupList]
	hash uint64
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		seed:   maphash.MakeSeed(),
		lists:  map[weak.Pointer[metav1.APIGroupList]]weak.Pointer[groupList]{},
		groups: map[groupKey]weak.Pointer[groupIndex]{},
		snaps:  map[snapKey]weak.Pointer[snapshot]{},
	}
}

// StoreStats counts what a Store holds.
type StoreStats struct {
	// GroupLists, GroupIndexes and Snapshots count the distinct group lists,
	// group indexes and snapshots in use.
	GroupLists, GroupIndexes, Snapshots int
}

// Stats counts the entries still in use. Entries no Mapper uses any more
// are counted until the garbage collector has dropped them.
func (s *Store) Stats() StoreStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StoreStats{GroupLists: len(s.lists), GroupIndexes: len(s.groups), Snapshots: len(s.snaps)}
}

// groupList returns the shared group list of l, building it when no Mapper
// has; a list with failed group-versions is not shared.
func (s *Store) groupList(l *metav1.APIGroupList, failed map[schema.GroupVersion]error, build func() *groupList) *groupList {
	if s == nil || len(failed) > 0 {
		return build()
	}
	key := weak.Make(l)
	return share(s, func() *groupList { return s.lists[key].Value() }, build, func(wp weak.Pointer[groupList]) func() {
		s.lists[key] = wp
		return func() {
			if s.lists[key] == wp {
				delete(s.lists, key)
			}
		}
	})
}

// groupIndex returns the shared index of group g built from lists (one per
// version, in g's order), building it when no Mapper has. An index with
// failed versions, or missing lists, is not shared.
func (s *Store) groupIndex(g groupMeta, lists []*metav1.APIResourceList, failed map[schema.GroupVersion]error, build func() *groupIndex) *groupIndex {
	if s == nil || len(failed) > 0 || len(lists) == 0 || len(lists) != len(g.versions) {
		return build()
	}
	key := groupKey{name: g.name, first: weak.Make(lists[0]), n: len(lists)}
	find := func() *groupIndex {
		if gi := s.groups[key].Value(); gi != nil && gi.meta.equal(g) && builtFrom(gi, lists) {
			return gi
		}
		return nil
	}
	return share(s, find, build, func(wp weak.Pointer[groupIndex]) func() {
		s.groups[key] = wp
		return func() {
			if s.groups[key] == wp {
				delete(s.groups, key)
			}
		}
	})
}

// builtFrom reports whether gi indexes exactly lists: the same resource
// slices, version by version.
func builtFrom(gi *groupIndex, lists []*metav1.APIResourceList) bool {
	if len(gi.versions) != len(lists) {
		return false
	}
	for i, v := range gi.versions {
		r := lists[i].APIResources
		if len(v.resources) != len(r) || len(r) > 0 && &v.resources[0] != &r[0] {
			return false
		}
	}
	return true
}

// snapshot returns a shared snapshot equal to next (the same group list and
// group indexes), or next, which others then share.
func (s *Store) snapshot(next *snapshot) *snapshot {
	if s == nil || next.list == nil {
		return next
	}
	var h maphash.Hash
	h.SetSeed(s.seed)
	for _, g := range next.groups {
		maphash.WriteComparable(&h, g)
	}
	key := snapKey{list: weak.Make(next.list), hash: h.Sum64()}
	find := func() *snapshot {
		if cur := s.snaps[key].Value(); cur != nil && cur.list == next.list && slices.Equal(cur.groups, next.groups) {
			return cur
		}
		return nil
	}
	return share(s, find, func() *snapshot { return next }, func(wp weak.Pointer[snapshot]) func() {
		s.snaps[key] = wp
		return func() {
			if s.snaps[key] == wp {
				delete(s.snaps, key)
			}
		}
	})
}

// share returns what find finds, else what build makes, recorded by put
// (which returns the removal of the record, run once the value is
// collected). find and put run with s.mu held; build does not.
func share[T any](s *Store, find func() *T, build func() *T, put func(weak.Pointer[T]) func()) *T {
	s.mu.Lock()
	v := find()
	s.mu.Unlock()
	if v != nil {
		return v
	}
	v = build()
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := find(); cur != nil {
		return cur
	}
	remove := put(weak.Make(v))
	runtime.AddCleanup(v, func(remove func()) {
		s.mu.Lock()
		defer s.mu.Unlock()
		remove()
	}, remove)
	return v
}
