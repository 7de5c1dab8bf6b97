package typed

import (
	"context"
	"fmt"
	"reflect"

	"github.com/kdyn/kdyn/cache"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Informer is a typed view of a kdyn cache informer: the objects of one
// kind as values of the Go type T, e.g. *appsv1.Deployment. Each object
// the informer receives is converted into a T once, as it arrives, and the
// informer's store holds that T in place of the unstructured object (with
// a few metadata fields the store files it by), so reads cost what the
// cache's own reads cost and the objects are held once, as T.
//
// The objects Get, List, ByIndex and the handlers return are the stored
// ones, shared with every caller: they are read-only (DeepCopy one to
// change it). An Informer is safe for concurrent use.
type Informer[T runtime.Object] struct {
	inf  *cache.Informer
	conv *converter[T]
}

// InformerOptions choose what an Informer holds. The zero value holds
// every object of T's kind, in all namespaces, without managedFields, with
// apiVersion and kind left empty as client-go's informers leave them.
type InformerOptions struct {
	// Namespace limits the informer to one namespace; "" means all
	// namespaces (and is required for a cluster-scoped kind).
	Namespace string
	// LabelSelector and FieldSelector limit the objects, in the syntax of
	// ListOptions; "" selects everything.
	LabelSelector string
	FieldSelector string
	// KeepManagedFields keeps metadata.managedFields, which are dropped by
	// default, as in the cache.
	KeepManagedFields bool
	// SetTypeMeta fills apiVersion and kind of every object, as
	// Options.SetTypeMeta does for a Client. It is a property of the
	// informer: a later Inform for the same informer must ask the same.
	SetTypeMeta bool
}

// Inform returns the typed Informer of T's kind in c with opts, starting
// its cache informer if it is the first request for that resource and
// selection; asking again returns a view of the same one, e.g.
//
//	deploys, err := typed.Inform[*appsv1.Deployment](ctx, c, scheme, typed.InformerOptions{})
//	err = deploys.WaitForSync(ctx)
//	d, ok := deploys.Get("shop", "web") // *appsv1.Deployment, read-only
//
// T's kind comes from scheme, as for a Client. As in the cache, a kind the
// server does not serve yet is not an error: the informer waits for it.
//
// The cache informer is the typed informer's own: its store holds T, so
// the same kind and selection cannot also be asked of c as unstructured
// objects (that is an *cache.OptionError; use MetadataOnly, other
// selectors, or another Cache). Errors: those of the scheme (T not
// registered), a T without object metadata, the cache's *OptionError and
// cache.ErrStopped.
func Inform[T Object[E], E any](ctx context.Context, c *cache.Cache, scheme *runtime.Scheme, opts InformerOptions) (*Informer[T], error) {
	if c == nil || scheme == nil {
		return nil, fmt.Errorf("typed: Inform needs a cache.Cache and a runtime.Scheme")
	}
	gvk, err := kindOf(scheme, T(new(E)))
	if err != nil {
		return nil, err
	}
	if _, ok := any(T(new(E))).(metav1.Object); !ok {
		return nil, fmt.Errorf("typed: %T has no object metadata: an informer files objects by namespace and name", T(new(E)))
	}
	conv, inf, err := views.attach(ctx, c, gvk, opts, reflect.TypeFor[E](), func() attachable { return newConverter[T, E](gvk, opts) })
	if err != nil {
		return nil, err
	}
	tc, ok := conv.(*converter[T])
	if !ok {
		return nil, &cache.OptionError{Kind: gvk, Field: "T",
			Reason: fmt.Sprintf("the typed informer for this resource and selection holds another Go type than %T", T(new(E)))}
	}
	if tc.setTypeMeta != opts.SetTypeMeta {
		return nil, &cache.OptionError{Kind: gvk, Field: "SetTypeMeta",
			Reason: fmt.Sprintf("the typed informer for this resource and selection runs with SetTypeMeta %t", tc.setTypeMeta)}
	}
	return &Informer[T]{inf: inf, conv: tc}, nil
}

// Kind returns T's kind.
func (i *Informer[T]) Kind() schema.GroupVersionKind { return i.conv.gvk }

// State returns where the informer is: Waiting for its kind, Syncing,
// Synced or Stopped.
func (i *Informer[T]) State() cache.State { return i.inf.State() }

// HasSynced reports whether the store holds a complete state of the kind.
// Every object in it is a T already: conversion happens before an object
// is stored.
func (i *Informer[T]) HasSynced() bool { return i.inf.HasSynced() }

// WaitForSync waits until the store holds a complete state of the kind;
// Get and List see all of it as soon as it returns. An informer Waiting
// for its kind keeps it waiting: bound it with ctx. It returns ctx's
// error if ctx ends first, cache.ErrStopped if the informer is stopped.
func (i *Informer[T]) WaitForSync(ctx context.Context) error { return i.inf.WaitForSync(ctx) }

// Get returns the stored object namespace/name (namespace "" for a
// cluster-scoped kind). It allocates nothing. The object is shared:
// read-only.
func (i *Informer[T]) Get(namespace, name string) (T, bool) {
	u, ok := i.inf.Get(namespace, name)
	if !ok {
		var zero T
		return zero, false
	}
	return objectOf[T](u)
}

// List returns the stored objects whose labels sel matches, every object
// if sel is nil, in no particular order. It allocates its result and one
// slice of the store's entries, nothing per object; the objects are
// shared: read-only.
func (i *Informer[T]) List(sel labels.Selector) []T {
	all := i.inf.List(nil)
	if sel == nil || sel.Empty() {
		return objectsOf[T](all)
	}
	var out []T
	for _, u := range all {
		if obj, ok := objectOf[T](u); ok && sel.Matches(labels.Set(metaOf(obj).GetLabels())) {
			out = append(out, obj)
		}
	}
	return out
}

// AddIndex adds an index: keys returns the values an object is filed
// under (none for nil). It is built over the objects already stored, at
// once, and kept as they change. keys runs on the informer's goroutine and
// must not call AddIndex or AddHandler. A name already used
// (cache.NamespaceIndex included) is an error.
func (i *Informer[T]) AddIndex(name string, keys func(T) []string) error {
	if keys == nil {
		return fmt.Errorf("typed: index %q: nil keys function", name)
	}
	return i.inf.AddIndex(name, func(u *unstructured.Unstructured) []string {
		obj, ok := objectOf[T](u)
		if !ok {
			return nil
		}
		return keys(obj)
	})
}

// ByIndex returns the objects filed under value in the index name,
// cache.NamespaceIndex included; nil if none or no such index. It
// allocates its result and one slice of the store's entries; the objects
// are shared: read-only.
func (i *Informer[T]) ByIndex(name, value string) []T {
	return objectsOf[T](i.inf.ByIndex(name, value))
}

// Stats returns what the informer has done so far, with the objects that
// T could not hold.
func (i *Informer[T]) Stats() InformerStats {
	s := InformerStats{Stats: i.inf.Stats()}
	i.conv.fill(&s)
	return s
}

// Stop ends the informer, as cache.Informer.Stop does: when it returns,
// no goroutine of the informer runs and no handler is being called, so it
// must not be called from a handler. Every Informer[T] of the same cache
// informer is stopped with it.
func (i *Informer[T]) Stop() {
	i.inf.Stop()
	views.forget(i.inf)
}

// objectsOf returns the Ts the stored objects hold.
func objectsOf[T runtime.Object](us []*unstructured.Unstructured) []T {
	if len(us) == 0 {
		return nil
	}
	out := make([]T, 0, len(us))
	for _, u := range us {
		if obj, ok := objectOf[T](u); ok {
			out = append(out, obj)
		}
	}
	return out
}

// metaOf returns obj's metadata; Inform checked that T has it.
func metaOf[T runtime.Object](obj T) metav1.Object {
	m, _ := any(obj).(metav1.Object)
	return m
}
