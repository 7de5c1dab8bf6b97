package cache

import (
	"k8s.io/apimachinery/pkg/watch"
)

// reflector applies what the watcher reads to the store and queues the
// changes for the handlers. Only the informer's goroutine calls it.
//
// A sync (the first one, or a relist after 410 Gone) is incremental: each
// object read is compared with the stored one by resourceVersion; an
// unchanged one is only marked as seen and dropped at once, a new or
// changed one replaces the stored one, and when the sync ends the objects
// it did not see are deleted. So the store is never empty or doubled
// during a relist, and handlers see only what changed.
type reflector[T Object] struct {
	inf  *InformerOf[T]
	prep preparer[T]

	epoch      uint32 // the current sync; objects it saw carry it
	everSynced bool   // a sync completed once: later adds are not initial
	hasState   bool   // the store holds a complete state: the next sync is a relist
}

// preparer turns a decoded object, which the informer owns, into the one
// the store keeps and handlers receive. Only the reflector calls it.
type preparer[T Object] interface {
	prepare(T) (T, error)
}

// beginSync starts reading a complete state.
func (r *reflector[T]) beginSync() { r.epoch++ }

// syncObject applies one object of the state being read.
func (r *reflector[T]) syncObject(obj T) {
	st := r.inf.store
	if old, ok := st.get(keyOf(obj)); ok && sameVersion(old.obj, obj) {
		st.mark(keyOf(old.obj), r.epoch)
		return
	}
	r.upsert(obj, !r.everSynced)
}

// endSync deletes what the sync did not see and records its version.
func (r *reflector[T]) endSync(rv string) {
	for _, obj := range r.inf.store.stale(r.epoch) {
		r.remove(keyOf(obj), obj)
	}
	c := &r.inf.stats
	c.syncs.Add(1)
	if r.hasState {
		c.relists.Add(1)
	}
	c.setRV(rv)
	r.everSynced, r.hasState = true, true
	r.inf.setState(Synced)
}

// event applies one watch event.
func (r *reflector[T]) event(typ watch.EventType, obj T) {
	r.inf.stats.events.Add(1)
	if typ == watch.Deleted {
		k := keyOf(obj)
		if _, ok := r.inf.store.get(k); ok {
			final, err := r.prep.prepare(obj)
			if err != nil {
				final = nil // the stored object is the next best
			}
			r.remove(k, final)
		}
		return
	}
	r.upsert(obj, false)
}

// gone empties the store of a kind the server no longer serves.
func (r *reflector[T]) gone() {
	for _, obj := range r.inf.store.snapshot() {
		r.remove(keyOf(obj), obj)
	}
	r.hasState = false
}

// upsert stores a new or changed object and tells the handlers.
func (r *reflector[T]) upsert(decoded T, initial bool) {
	obj, err := r.prep.prepare(decoded)
	if err != nil {
		r.inf.stats.setError(err)
		return
	}
	k := keyOf(obj)
	inf := r.inf
	inf.dispatch.Lock()
	defer inf.dispatch.Unlock()
	var old T
	if e, ok := inf.store.get(k); ok {
		old = e.obj
	}
	inf.store.put(k, old, obj, r.epoch, inf.store.indexValues(old), inf.store.indexValues(obj))
	if old == nil {
		inf.notify(notification[T]{op: opAdd, obj: obj, initial: initial})
	} else {
		inf.notify(notification[T]{op: opUpdate, old: old, obj: obj})
	}
}

// remove deletes k and tells the handlers, with final as the object's last
// state if known.
func (r *reflector[T]) remove(k objKey, final T) {
	inf := r.inf
	inf.dispatch.Lock()
	defer inf.dispatch.Unlock()
	e, ok := inf.store.get(k)
	if !ok {
		return
	}
	inf.store.remove(k, inf.store.indexValues(e.obj))
	if final == nil {
		final = e.obj
	}
	inf.notify(notification[T]{op: opDelete, obj: final})
}
