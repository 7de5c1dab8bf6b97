package typed

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Client reaches the objects of one Go type T, whose list type is L, as
// client-go's generated clients do for the built-in types: Get, List,
// Watch, Create, Update, UpdateStatus, Patch, Apply, ApplyStatus, Delete,
// DeleteCollection with their signatures, and All to page through a list.
// Its kind comes from the scheme; its resource and scope from the mapper,
// looked up on each call. A Client is immutable and safe for concurrent use
// if its Clientset's mapper is; Namespace returns a copy.
type Client[T, L runtime.Object] struct {
	cs    *Clientset
	shape *shape[T, L]
	ns    string
}

// For returns the Client of T, e.g.
//
//	deploys, err := typed.For[*appsv1.Deployment, *appsv1.DeploymentList](cs)
//	d, err := deploys.Namespace("default").Get(ctx, "web", metav1.GetOptions{})
//
// It fails when T is not registered in the scheme under exactly one kind
// (runtime.IsNotRegisteredError holds for a type it does not know) or when
// L has no Items field of T's struct type. It makes no request: whether the
// server serves the kind is found on the first call.
func For[T Object[E], L Object[LE], E, LE any](cs *Clientset) (*Client[T, L], error) {
	if err := cs.check(); err != nil {
		return nil, err
	}
	s, err := shapeOf[T, L](cs.scheme)
	if err != nil {
		return nil, err
	}
	return &Client[T, L]{cs: cs, shape: s}, nil
}

// Namespace returns the Client for namespace ns; "" means all namespaces
// (for lists and watches) or a cluster-scoped kind.
func (c *Client[T, L]) Namespace(ns string) *Client[T, L] {
	cp := *c
	cp.ns = ns
	return &cp
}

// GroupVersionKind returns T's kind, as the scheme registers it.
func (c *Client[T, L]) GroupVersionKind() schema.GroupVersionKind { return c.shape.gvk }
