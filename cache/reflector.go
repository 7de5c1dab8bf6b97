package cache

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
type reflector struct {
	inf       *Informer
	det       *detacher
	transform func(*unstructured.Unstructured) (*unstructured.Unstructured, error)
	keepMF    bool

	epoch      uint32 // the current sync; objects it saw carry it
	everSynced bool   // a sync completed once: later adds are not initial
	hasState   bool   // the store holds a complete state: the next sync is a relist
}

func newReflector(inf *Informer, opts InformerOptions) *reflector {
	return &reflector{inf: inf, det: newDetacher(opts.KeepManagedFields), transform: opts.Transform, keepMF: opts.KeepManagedFields}
}

// beginSync starts reading a complete state.
func (r *reflector) beginSync() { r.epoch++ }

// syncObject applies one object of the state being read.
func (r *reflector) syncObject(obj *unstructured.Unstructured) {
	st := r.inf.store
	if old, ok := st.get(keyOf(obj)); ok && sameVersion(old.obj, obj) {
		st.mark(keyOf(old.obj), r.epoch)
		return
	}
	r.upsert(obj, !r.everSynced)
}

// endSync deletes what the sync did not see and records its version.
func (r *reflector) endSync(rv string) {
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
func (r *reflector) event(typ watch.EventType, obj *unstructured.Unstructured) {
	r.inf.stats.events.Add(1)
	if typ == watch.Deleted {
		k := keyOf(obj)
		if _, ok := r.inf.store.get(k); ok {
			final, err := r.prepare(obj)
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
func (r *reflector) gone() {
	for _, obj := range r.inf.store.snapshot() {
		r.remove(keyOf(obj), obj)
	}
	r.hasState = false
}

// upsert stores a new or changed object and tells the handlers.
func (r *reflector) upsert(decoded *unstructured.Unstructured, initial bool) {
	obj, err := r.prepare(decoded)
	if err != nil {
		r.inf.stats.setError(err)
		return
	}
	k := keyOf(obj)
	inf := r.inf
	inf.dispatch.Lock()
	defer inf.dispatch.Unlock()
	var old *unstructured.Unstructured
	if e, ok := inf.store.get(k); ok {
		old = e.obj
	}
	inf.store.put(k, old, obj, r.epoch, inf.store.indexValues(old), inf.store.indexValues(obj))
	if old == nil {
		inf.notify(notification{op: opAdd, obj: obj, initial: initial})
	} else {
		inf.notify(notification{op: opUpdate, old: old, obj: obj})
	}
}

// remove deletes k and tells the handlers, with final as the object's last
// state if known.
func (r *reflector) remove(k objKey, final *unstructured.Unstructured) {
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
	inf.notify(notification{op: opDelete, obj: final})
}

// prepare turns a decoded object into the one the store keeps: without
// managedFields unless kept, transformed, then detached.
func (r *reflector) prepare(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if !r.keepMF {
		if md, ok := obj.Object["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
	}
	if r.transform != nil {
		out, err := r.transform(obj)
		if err != nil {
			return nil, fmt.Errorf("cache: transform %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
		}
		if out == nil {
			return nil, fmt.Errorf("cache: transform %s/%s returned no object", obj.GetNamespace(), obj.GetName())
		}
		obj = out
	}
	return r.det.detach(obj), nil
}

func sameVersion(a, b *unstructured.Unstructured) bool {
	rv := metaString(a.Object, "resourceVersion")
	return rv != "" && rv == metaString(b.Object, "resourceVersion")
}
