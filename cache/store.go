package cache

import (
	"sync"

	"k8s.io/apimachinery/pkg/labels"
)

// objKey names an object in the store: its namespace ("" for a
// cluster-scoped kind) and name. Both strings are the object's own.
type objKey struct{ ns, name string }

// entry is one stored object and the sync that last saw it. For an
// unstructured object it also keeps its labels map, so that a selector
// reads them without two map lookups per object; a metadata object has
// its labels in a field already.
type entry[T Object] struct {
	obj    T
	labels labelView // nil for metadata objects
	epoch  uint32
}

func newEntry[T Object](obj T, epoch uint32) entry[T] {
	e := entry[T]{obj: obj, epoch: epoch}
	if lv, ok := labelsOf(obj).(labelView); ok {
		e.labels = lv
	}
	return e
}

func (e *entry[T]) matches(sel labels.Selector) bool {
	if e.labels != nil {
		return sel.Matches(e.labels)
	}
	return sel.Matches(labelsOf(e.obj))
}

// index is a user index: for each value its keys function returned, the
// objects that have it.
type index[T Object] struct {
	name   string
	keys   func(T) []string
	values map[string]map[objKey]T
}

// store holds an informer's objects, shared read-only with callers, by
// namespace and name, so that a namespace is read without an index of its
// own, and with the indexes added with AddIndex. It is safe for
// concurrent use: readers take the read lock for a map lookup or a walk,
// and the one writer (the informer's reflector, or AddIndex, never both at
// once) takes the write lock only to update maps. Index functions are
// user code: they run before the lock is taken.
type store[T Object] struct {
	mu      sync.RWMutex                   // guards byNS and the values of indexes
	byNS    map[string]map[string]entry[T] // namespace, then name
	indexes []*index[T]                    // append-only, under mu
}

func newStore[T Object]() *store[T] {
	return &store[T]{byNS: map[string]map[string]entry[T]{}}
}

func (s *store[T]) get(k objKey) (entry[T], bool) {
	s.mu.RLock()
	e, ok := s.byNS[k.ns][k.name]
	s.mu.RUnlock()
	return e, ok
}

func (s *store[T]) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.count()
}

// count is the number of objects stored; the caller holds mu.
func (s *store[T]) count() int {
	n := 0
	for _, ns := range s.byNS {
		n += len(ns)
	}
	return n
}

// indexValues runs every index function over obj, outside the lock; nil
// when there is no index (or no object).
func (s *store[T]) indexValues(obj T) [][]string {
	s.mu.RLock()
	idx := s.indexes
	s.mu.RUnlock()
	if len(idx) == 0 || obj == nil {
		return nil
	}
	vals := make([][]string, len(idx))
	for i, ix := range idx {
		vals[i] = ix.keys(obj)
	}
	return vals
}

// put stores obj under k, replacing old (nil if none). oldVals and newVals
// are indexValues of old and obj, taken before.
func (s *store[T]) put(k objKey, old, obj T, epoch uint32, oldVals, newVals [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.byNS[k.ns]
	if ns == nil {
		ns = map[string]entry[T]{}
		s.byNS[k.ns] = ns
	}
	ns[k.name] = newEntry(obj, epoch)
	for i, ix := range s.indexes {
		if old != nil && i < len(oldVals) {
			ix.remove(k, oldVals[i])
		}
		if i < len(newVals) {
			ix.add(k, obj, newVals[i])
		}
	}
}

// mark records that the sync epoch saw k unchanged.
func (s *store[T]) mark(k objKey, epoch uint32) {
	s.mu.Lock()
	if e, ok := s.byNS[k.ns][k.name]; ok {
		e.epoch = epoch
		s.byNS[k.ns][k.name] = e
	}
	s.mu.Unlock()
}

// remove deletes k, whose object's index values are vals.
func (s *store[T]) remove(k objKey, vals [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ns := s.byNS[k.ns]; ns != nil {
		delete(ns, k.name)
		if len(ns) == 0 {
			delete(s.byNS, k.ns)
		}
	}
	for i, ix := range s.indexes {
		if i < len(vals) {
			ix.remove(k, vals[i])
		}
	}
}

// stale returns the objects that the sync epoch did not see.
func (s *store[T]) stale(epoch uint32) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []T
	for _, ns := range s.byNS {
		for _, e := range ns {
			if e.epoch != epoch {
				out = append(out, e.obj)
			}
		}
	}
	return out
}

// list returns the objects sel matches; nil sel matches all. The slice is
// the only allocation.
func (s *store[T]) list(sel labels.Selector) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := sel == nil || sel.Empty()
	var out []T
	if all {
		out = make([]T, 0, s.count())
	}
	for _, ns := range s.byNS {
		for _, e := range ns {
			if all || e.matches(sel) {
				out = append(out, e.obj)
			}
		}
	}
	return out
}

// inNamespace returns the objects of namespace ns.
func (s *store[T]) inNamespace(ns string) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	in := s.byNS[ns]
	if len(in) == 0 {
		return nil
	}
	out := make([]T, 0, len(in))
	for _, e := range in {
		out = append(out, e.obj)
	}
	return out
}

// byIndex returns the objects whose index name has value; ok is false when
// there is no such index.
func (s *store[T]) byIndex(name, value string) ([]T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ix := range s.indexes {
		if ix.name == name {
			return collect(ix.values[value]), true
		}
	}
	return nil, false
}

func collect[T Object](set map[objKey]T) []T {
	if len(set) == 0 {
		return nil
	}
	out := make([]T, 0, len(set))
	for _, obj := range set {
		out = append(out, obj)
	}
	return out
}

// hasIndex reports whether an index is named name.
func (s *store[T]) hasIndex(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ix := range s.indexes {
		if ix.name == name {
			return true
		}
	}
	return false
}

// snapshot returns every stored object.
func (s *store[T]) snapshot() []T {
	return s.list(nil)
}

// addIndex builds an index over the stored objects and installs it. The
// caller keeps the reflector from writing meanwhile, so the objects read
// here are still the stored ones when the index is installed.
func (s *store[T]) addIndex(name string, keys func(T) []string) {
	objs := s.snapshot()
	ix := &index[T]{name: name, keys: keys, values: map[string]map[objKey]T{}}
	for _, obj := range objs {
		ix.add(keyOf(obj), obj, keys(obj))
	}
	s.mu.Lock()
	s.indexes = append(s.indexes[:len(s.indexes):len(s.indexes)], ix)
	s.mu.Unlock()
}

func (ix *index[T]) add(k objKey, obj T, vals []string) {
	for _, v := range vals {
		set := ix.values[v]
		if set == nil {
			set = map[objKey]T{}
			ix.values[v] = set
		}
		set[k] = obj
	}
}

func (ix *index[T]) remove(k objKey, vals []string) {
	for _, v := range vals {
		if set := ix.values[v]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(ix.values, v)
			}
		}
	}
}
