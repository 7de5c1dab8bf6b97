package typed

import (
	"github.com/kdyn/kdyn/cache"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Handler receives a typed informer's changes, as cache.Handler does: in
// the order the informer applied them, each handler from its own
// goroutine, one call at a time, so a slow handler delays only itself.
// Any func may be nil. The objects are the store's, shared and read-only:
// DeepCopy before changing one.
type Handler[T runtime.Object] struct {
	// OnAdd receives an object that entered the store; initial is true for
	// the objects of the first sync, and for the store's content that a
	// handler added later receives first.
	OnAdd func(obj T, initial bool)
	// OnUpdate receives the stored version an object replaced and the new
	// one.
	OnUpdate func(old, obj T)
	// OnDelete receives an object that left the store: its last state
	// from the server when the watch saw it deleted, else the stored one.
	OnDelete func(obj T)
}

// AddHandler adds h. It first receives the objects stored at that moment
// as initial adds, then every change after them. remove stops its
// deliveries (one in progress finishes); it may be called from the
// handler itself.
func (i *Informer[T]) AddHandler(h Handler[T]) (remove func()) {
	var ch cache.Handler
	if h.OnAdd != nil {
		ch.OnAdd = func(u *unstructured.Unstructured, initial bool) {
			if obj, ok := objectOf[T](u); ok {
				h.OnAdd(obj, initial)
			}
		}
	}
	if h.OnUpdate != nil {
		ch.OnUpdate = func(old, u *unstructured.Unstructured) {
			o, ok1 := objectOf[T](old)
			obj, ok2 := objectOf[T](u)
			if ok1 && ok2 {
				h.OnUpdate(o, obj)
			}
		}
	}
	if h.OnDelete != nil {
		ch.OnDelete = func(u *unstructured.Unstructured) {
			if obj, ok := objectOf[T](u); ok {
				h.OnDelete(obj)
			}
		}
	}
	return i.inf.AddHandler(ch)
}
