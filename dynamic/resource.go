package dynamic

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// ResourceInterface reaches one resource in one namespace, or cluster-wide.
// Its methods up to ApplyStatus have client-go's dynamic signatures.
type ResourceInterface interface {
	Create(ctx context.Context, obj *unstructured.Unstructured, options metav1.CreateOptions, subresources ...string) (*unstructured.Unstructured, error)
	Update(ctx context.Context, obj *unstructured.Unstructured, options metav1.UpdateOptions, subresources ...string) (*unstructured.Unstructured, error)
	UpdateStatus(ctx context.Context, obj *unstructured.Unstructured, options metav1.UpdateOptions) (*unstructured.Unstructured, error)
	Delete(ctx context.Context, name string, options metav1.DeleteOptions, subresources ...string) error
	DeleteCollection(ctx context.Context, options metav1.DeleteOptions, listOptions metav1.ListOptions) error
	Get(ctx context.Context, name string, options metav1.GetOptions, subresources ...string) (*unstructured.Unstructured, error)
	List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*unstructured.Unstructured, error)
	Apply(ctx context.Context, name string, obj *unstructured.Unstructured, options metav1.ApplyOptions, subresources ...string) (*unstructured.Unstructured, error)
	ApplyStatus(ctx context.Context, name string, obj *unstructured.Unstructured, options metav1.ApplyOptions) (*unstructured.Unstructured, error)

	// All lists page by page (opts.Limit per request, 500 if unset), yielding
	// each object, and stops at the first error; a continue token the server
	// has expired yields an *ExpiredError.
	All(ctx context.Context, opts metav1.ListOptions) iter.Seq2[*unstructured.Unstructured, error]
	// ResumingWatch is a watch that reconnects; see ResumingWatcher.
	ResumingWatch(ctx context.Context, opts metav1.ListOptions) *ResumingWatcher
	// WatchList streams the current state then changes; see WatchList.
	WatchList(ctx context.Context, opts metav1.ListOptions) (*WatchListStream, error)
	// Table asks the server for its table view of one object (name set) or
	// of the list (name ""), as kubectl get prints it.
	Table(ctx context.Context, name string, opts metav1.ListOptions) (*metav1.Table, error)
}

// NamespaceableResourceInterface is a ResourceInterface for all namespaces
// (or a cluster-scoped resource) that Namespace narrows to one namespace.
type NamespaceableResourceInterface interface {
	Namespace(string) ResourceInterface
	ResourceInterface
}

var _ NamespaceableResourceInterface = (*resource)(nil)

// resource implements NamespaceableResourceInterface.
type resource struct {
	c     *Client
	gvr   schema.GroupVersionResource
	ns    string
	scope meta.RESTScopeName // "" unknown: Client.Resource; set by Mapped
	kind  schema.GroupKind   // for messages; set by Mapped
}

// Namespace returns the resource in ns; "" means all namespaces.
func (r *resource) Namespace(ns string) ResourceInterface {
	cp := *r
	cp.ns = ns
	return &cp
}

func (r *resource) Get(ctx context.Context, name string, opts metav1.GetOptions, sub ...string) (*unstructured.Unstructured, error) {
	if name == "" {
		return nil, errNameRequired("get")
	}
	return r.object(ctx, call{method: http.MethodGet, name: name, sub: sub, params: &opts})
}

func (r *resource) List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	list, err := r.list(ctx, call{method: http.MethodGet, params: &opts})
	if err != nil {
		return nil, pageError(err, opts.Continue)
	}
	return list, nil
}

func (r *resource) Create(ctx context.Context, obj *unstructured.Unstructured, opts metav1.CreateOptions, sub ...string) (*unstructured.Unstructured, error) {
	if obj == nil {
		return nil, fmt.Errorf("dynamic: create: nil object")
	}
	name := ""
	if len(sub) > 0 {
		if name = obj.GetName(); name == "" {
			return nil, errNameRequired("create a subresource of")
		}
	}
	return r.object(ctx, call{method: http.MethodPost, name: name, sub: sub, params: &opts, body: obj})
}

func (r *resource) Update(ctx context.Context, obj *unstructured.Unstructured, opts metav1.UpdateOptions, sub ...string) (*unstructured.Unstructured, error) {
	if obj == nil {
		return nil, fmt.Errorf("dynamic: update: nil object")
	}
	if obj.GetName() == "" {
		return nil, errNameRequired("update")
	}
	return r.object(ctx, call{method: http.MethodPut, name: obj.GetName(), sub: sub, params: &opts, body: obj})
}

func (r *resource) UpdateStatus(ctx context.Context, obj *unstructured.Unstructured, opts metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	return r.Update(ctx, obj, opts, "status")
}

func (r *resource) Delete(ctx context.Context, name string, opts metav1.DeleteOptions, sub ...string) error {
	if name == "" {
		return errNameRequired("delete")
	}
	_, _, err := r.do(ctx, call{method: http.MethodDelete, name: name, sub: sub, body: deleteBody(opts)})
	return err
}

func (r *resource) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	_, _, err := r.do(ctx, call{method: http.MethodDelete, params: &listOpts, body: deleteBody(opts)})
	return err
}

func (r *resource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) (*unstructured.Unstructured, error) {
	if name == "" {
		return nil, errNameRequired("patch")
	}
	return r.object(ctx, call{method: http.MethodPatch, name: name, sub: sub, params: &opts, body: rawBody{contentType: string(pt), data: data}})
}

func (r *resource) Apply(ctx context.Context, name string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, sub ...string) (*unstructured.Unstructured, error) {
	if name == "" {
		return nil, errNameRequired("apply")
	}
	body, patchOpts, err := applyRequest(obj, opts)
	if err != nil {
		return nil, err
	}
	return r.object(ctx, call{method: http.MethodPatch, name: name, sub: sub, params: &patchOpts, body: body})
}

func (r *resource) ApplyStatus(ctx context.Context, name string, obj *unstructured.Unstructured, opts metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	return r.Apply(ctx, name, obj, opts, "status")
}

func errNameRequired(verb string) error {
	return fmt.Errorf("dynamic: name is required to %s an object", verb)
}
