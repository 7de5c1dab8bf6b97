package typed

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/typed/internal/mapdec"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// heldKey is the member of a stored object that holds its T. The stored
// objects are the typed informer's own (the cache refuses the same
// informer to anyone without its Transform), so no reader of unstructured
// objects ever meets it.
const heldKey = "typed.kdyn.dev/object"

// converter is the Transform of a typed informer's cache informer: it
// converts each object received into a T, once, and hands the cache a
// stand-in that holds the T and the metadata the store files it by
// (namespace, name, resourceVersion). It is shared by every Informer[T]
// of that cache informer, and safe for concurrent use: the cache calls
// transform from the informer's one goroutine, others read the counters.
type converter[T runtime.Object] struct {
	gvk         schema.GroupVersionKind
	setTypeMeta bool
	newObj      func() T
	dec         mapdec.Decoder // used by transform only

	failures atomic.Uint64
	mu       sync.Mutex // guards last
	last     *ConversionError
}

// attachable is a converter of any T, as the registry keeps it.
type attachable interface {
	transform(*unstructured.Unstructured) (*unstructured.Unstructured, error)
}

func newConverter[T Object[E], E any](gvk schema.GroupVersionKind, opts InformerOptions) *converter[T] {
	return &converter[T]{gvk: gvk, setTypeMeta: opts.SetTypeMeta, newObj: func() T { return T(new(E)) }}
}

// transform converts u. An object T cannot hold is an error for the cache,
// which leaves its stored version (if any) as it was and shows the error
// in Stats.LastError; the converter counts it.
func (c *converter[T]) transform(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	obj := c.newObj()
	if err := c.dec.Decode(u.Object, obj); err != nil {
		return nil, c.failed(u, err)
	}
	gvk := schema.GroupVersionKind{}
	if c.setTypeMeta {
		gvk = c.gvk
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	m := metaOf(obj)
	md := map[string]any{"name": m.GetName(), "resourceVersion": m.GetResourceVersion()}
	if ns := m.GetNamespace(); ns != "" {
		md["namespace"] = ns
	}
	return &unstructured.Unstructured{Object: map[string]any{"metadata": md, heldKey: obj}}, nil
}

func (c *converter[T]) failed(u *unstructured.Unstructured, err error) error {
	ce := &ConversionError{Kind: c.gvk, Type: fmt.Sprintf("%T", c.newObj()), Namespace: u.GetNamespace(), Name: u.GetName(),
		ResourceVersion: u.GetResourceVersion(), Err: err}
	c.failures.Add(1)
	c.mu.Lock()
	c.last = ce
	c.mu.Unlock()
	return ce
}

func (c *converter[T]) fill(s *InformerStats) {
	s.ConversionErrors = c.failures.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil {
		s.LastConversionError = c.last
	}
}

// objectOf returns the T a stored object holds.
func objectOf[T runtime.Object](u *unstructured.Unstructured) (T, bool) {
	obj, ok := u.Object[heldKey].(T)
	return obj, ok
}

// ConversionError is an object the informer received that its Go type
// cannot hold: a field of another JSON type than the Go field's (a CRD
// whose schema changed, a Go type written for another version), or a
// value out of its range. The object is not stored: the informer keeps the
// version it had, if any, until a version that converts arrives.
type ConversionError struct {
	Kind                             schema.GroupVersionKind
	Type                             string // the Go type, as %T prints it
	Namespace, Name, ResourceVersion string
	Err                              error
}

func (e *ConversionError) Error() string {
	name := e.Name
	if e.Namespace != "" {
		name = e.Namespace + "/" + e.Name
	}
	return fmt.Sprintf("typed: %s %s (resourceVersion %s) does not convert into %s: %v", e.Kind.Kind, name, e.ResourceVersion, e.Type, e.Err)
}

func (e *ConversionError) Unwrap() error { return e.Err }

// InformerStats is what a typed informer has done: the cache informer's
// Stats (whose LastError shows conversion errors too, wrapped) and the
// objects T could not hold.
type InformerStats struct {
	cache.Stats
	// ConversionErrors counts the objects received that did not convert,
	// the final states of deleted objects included.
	ConversionErrors uint64
	// LastConversionError is the last of them, nil if none.
	LastConversionError *ConversionError
}
