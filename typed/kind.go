package typed

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is the constraint on the type parameters of For: a pointer to a Go
// API struct that is a runtime.Object, such as *appsv1.Deployment or
// *appsv1.DeploymentList.
type Object[S any] interface {
	*S
	runtime.Object
}

// protoMessage is what k8s.io/api's generated protobuf code gives every
// type, and what apimachinery's protobuf serializer decodes into.
type protoMessage interface {
	Reset()
	Unmarshal(data []byte) error
}

// shape is what a Client knows about its two types, worked out once by For
// and never changed after.
type shape[T, L runtime.Object] struct {
	gvk     schema.GroupVersionKind // of T, from the scheme
	listGVK schema.GroupVersionKind // of L: the scheme's, or the kind + "List"
	proto   bool                    // T and L have protobuf methods

	newObj  func() T
	newList func() L
	// each calls yield with each item of l, in order, until it returns false.
	each func(l L, yield func(T) bool) bool
}

// shapeOf checks T and L against the scheme and against each other: T must
// be registered under exactly one kind, and L must have an Items field of
// T's struct type.
func shapeOf[T Object[E], L Object[LE], E, LE any](scheme *runtime.Scheme) (*shape[T, L], error) {
	gvk, err := kindOf(scheme, T(new(E)))
	if err != nil {
		return nil, err
	}
	items, ok := reflect.TypeFor[LE]().FieldByName("Items")
	if !ok || len(items.Index) != 1 || items.Type != reflect.TypeFor[[]E]() {
		return nil, fmt.Errorf("typed: %T is not the list type of %T: it needs a field Items []%s",
			L(new(LE)), T(new(E)), reflect.TypeFor[E]())
	}
	s := &shape[T, L]{
		gvk:     gvk,
		listGVK: gvk.GroupVersion().WithKind(gvk.Kind + "List"),
		newObj:  func() T { return T(new(E)) },
		newList: func() L { return L(new(LE)) },
	}
	if lk, err := kindOf(scheme, L(new(LE))); err == nil {
		s.listGVK = lk
	}
	_, objProto := any(new(E)).(protoMessage)
	_, listProto := any(new(LE)).(protoMessage)
	s.proto = objProto && listProto
	field := items.Index[0]
	s.each = func(l L, yield func(T) bool) bool {
		items := reflect.ValueOf(l).Elem().Field(field).Interface().([]E)
		for i := range items {
			if !yield(T(&items[i])) {
				return false
			}
		}
		return true
	}
	return s, nil
}

// kindOf returns the one kind obj's type is registered under. A type the
// scheme does not know gets the scheme's own error, for which
// runtime.IsNotRegisteredError holds.
func kindOf(scheme *runtime.Scheme, obj runtime.Object) (schema.GroupVersionKind, error) {
	gvks, unversioned, err := scheme.ObjectKinds(obj)
	switch {
	case err != nil:
		return schema.GroupVersionKind{}, err
	case unversioned:
		return schema.GroupVersionKind{}, fmt.Errorf("typed: %T is an unversioned type, not a resource's", obj)
	case len(gvks) != 1:
		return schema.GroupVersionKind{}, fmt.Errorf("typed: %T is registered as %d kinds (%v): a Client needs exactly one", obj, len(gvks), gvks)
	}
	return gvks[0], nil
}
