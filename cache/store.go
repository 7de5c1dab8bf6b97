package cache

import (
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// objKey names an object in the store: its namespace ("" for a
// cluster-scoped kind) and name. Both strings are the object's own.
type objKey struct{ ns, name string }

func keyOf(obj *unstructured.Unstructured) objKey {
	return objKey{ns: metaString(obj.Object, "namespace"), name: metaString(obj.Object, "name")}
}

// entry is one stored object, its labels (so that a selector reads them
// without two map lookups per object) and the sync that last saw it.
type entry struct {
	obj    *unstructured.Unstructured
	labels labelView
	epoch  uint32
}

// index is a user index: for each value its keys function returned, the
// objects that have it.
type index struct {
	name   string
	keys   func(*unstructured.Unstructured) []string
	values map[string]map[objKey]*unstructured.Unstructured
}

// store holds an informer's objects, shared read-only with callers, with a
// namespace index and the indexes added with AddIndex. It is safe for
// concurrent use: readers take the read lock for a map lookup or a walk,
// and the one writer (the informer's reflector, or AddIndex, never both at
// once) takes the write lock only to update maps. Index functions are
// user code: they run before the lock is taken.
type store struct {
	mu      sync.RWMutex // guards objs, byNS and the values of indexes
	objs    map[objKey]entry
	byNS    map[string]map[objKey]*unstructured.Unstructured
	indexes []*index // append-only, under mu
}

func newStore() *store {
	return &store{objs: map[objKey]entry{}, byNS: map[string]map[objKey]*unstructured.Unstructured{}}
}

func (s *store) get(k objKey) (entry, bool) {
	s.mu.RLock()
	e, ok := s.objs[k]
	s.mu.RUnlock()
	return e, ok
}

func (s *store) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.objs)
}

// indexValues runs every index function over obj, outside the lock; nil
// when there is no index (or no object).
func (s *store) indexValues(obj *unstructured.Unstructured) [][]string {
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
func (s *store) put(k objKey, old, obj *unstructured.Unstructured, epoch uint32, oldVals, newVals [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objs[k] = entry{obj: obj, labels: labelsOf(obj), epoch: epoch}
	ns := s.byNS[k.ns]
	if ns == nil {
		ns = map[objKey]*unstructured.Unstructured{}
		s.byNS[k.ns] = ns
	}
	ns[k] = obj
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
func (s *store) mark(k objKey, epoch uint32) {
	s.mu.Lock()
	if e, ok := s.objs[k]; ok {
		e.epoch = epoch
		s.objs[k] = e
	}
	s.mu.Unlock()
}

// remove deletes k, whose object's index values are vals.
func (s *store) remove(k objKey, vals [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(k, vals)
}

func (s *store) removeLocked(k objKey, vals [][]string) {
	delete(s.objs, k)
	if ns := s.byNS[k.ns]; ns != nil {
		delete(ns, k)
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
func (s *store) stale(epoch uint32) []*unstructured.Unstructured {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*unstructured.Unstructured
	for _, e := range s.objs {
		if e.epoch != epoch {
			out = append(out, e.obj)
		}
	}
	return out
}

// list returns the objects sel matches; nil sel matches all. The slice is
// the only allocation.
func (s *store) list(sel labels.Selector) []*unstructured.Unstructured {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sel == nil || sel.Empty() {
		out := make([]*unstructured.Unstructured, 0, len(s.objs))
		for _, e := range s.objs {
			out = append(out, e.obj)
		}
		return out
	}
	var out []*unstructured.Unstructured
	for _, e := range s.objs {
		if sel.Matches(e.labels) {
			out = append(out, e.obj)
		}
	}
	return out
}

// inNamespace returns the objects of namespace ns.
func (s *store) inNamespace(ns string) []*unstructured.Unstructured {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return collect(s.byNS[ns])
}

// byIndex returns the objects whose index name has value; ok is false when
// there is no such index.
func (s *store) byIndex(name, value string) ([]*unstructured.Unstructured, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ix := range s.indexes {
		if ix.name == name {
			return collect(ix.values[value]), true
		}
	}
	return nil, false
}

func collect(set map[objKey]*unstructured.Unstructured) []*unstructured.Unstructured {
	if len(set) == 0 {
		return nil
	}
	out := make([]*unstructured.Unstructured, 0, len(set))
	for _, obj := range set {
		out = append(out, obj)
	}
	return out
}

// hasIndex reports whether an index is named name.
func (s *store) hasIndex(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ix := range s.indexes {
		if ix.name == name {
			return true
		}
	}
	return false
}

// snapshot returns every stored object with its key.
func (s *store) snapshot() []*unstructured.Unstructured {
	return s.list(nil)
}

// addIndex builds an index over the stored objects and installs it. The
// caller keeps the reflector from writing meanwhile, so the objects read
// here are still the stored ones when the index is installed.
func (s *store) addIndex(name string, keys func(*unstructured.Unstructured) []string) {
	objs := s.snapshot()
	ix := &index{name: name, keys: keys, values: map[string]map[objKey]*unstructured.Unstructured{}}
	for _, obj := range objs {
		ix.add(keyOf(obj), obj, keys(obj))
	}
	s.mu.Lock()
	s.indexes = append(s.indexes[:len(s.indexes):len(s.indexes)], ix)
	s.mu.Unlock()
}

func (ix *index) add(k objKey, obj *unstructured.Unstructured, vals []string) {
	for _, v := range vals {
		set := ix.values[v]
		if set == nil {
			set = map[objKey]*unstructured.Unstructured{}
			ix.values[v] = set
		}
		set[k] = obj
	}
}

func (ix *index) remove(k objKey, vals []string) {
	for _, v := range vals {
		if set := ix.values[v]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(ix.values, v)
			}
		}
	}
}

// metaString reads metadata[field] as a string without allocating.
func metaString(obj map[string]any, field string) string {
	md, _ := obj["metadata"].(map[string]any)
	s, _ := md[field].(string)
	return s
}
