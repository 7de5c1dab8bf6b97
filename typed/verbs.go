package typed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Get returns the object named name.
func (c *Client[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	if name == "" {
		var zero T
		return zero, errNameRequired("get")
	}
	return c.object(ctx, call{method: http.MethodGet, name: name, params: &opts})
}

// List returns the objects opts select, in one response (or one page, with
// opts.Limit; All pages through them).
func (c *Client[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	l, err := c.list(ctx, call{method: http.MethodGet, params: &opts})
	return l, pageError(err, opts.Continue)
}

// Create creates obj and returns the object the server stored. obj is not
// changed.
func (c *Client[T, L]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	body, err := c.encode(obj, "create")
	if err != nil {
		var zero T
		return zero, err
	}
	return c.object(ctx, call{method: http.MethodPost, params: &opts, body: body, contentType: runtime.ContentTypeJSON})
}

// Update replaces the object named by obj and returns the object the
// server stored.
func (c *Client[T, L]) Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	return c.update(ctx, obj, opts)
}

// UpdateStatus replaces the status of the object named by obj, through its
// status subresource.
func (c *Client[T, L]) UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	return c.update(ctx, obj, opts, "status")
}

func (c *Client[T, L]) update(ctx context.Context, obj T, opts metav1.UpdateOptions, sub ...string) (T, error) {
	var zero T
	body, err := c.encode(obj, "update")
	if err != nil {
		return zero, err
	}
	name, err := nameOf(obj)
	if err != nil {
		return zero, err
	}
	if name == "" {
		return zero, errNameRequired("update")
	}
	return c.object(ctx, call{method: http.MethodPut, name: name, sub: sub, params: &opts, body: body, contentType: runtime.ContentTypeJSON})
}

// Patch applies a patch of type pt to the object named name, or to its
// subresource, and returns the patched object.
func (c *Client[T, L]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error) {
	if name == "" {
		var zero T
		return zero, errNameRequired("patch")
	}
	return c.object(ctx, call{method: http.MethodPatch, name: name, sub: subresources, params: &opts, body: data, contentType: string(pt)})
}

// Delete deletes the object named name.
func (c *Client[T, L]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	if name == "" {
		return errNameRequired("delete")
	}
	_, _, err := c.send(ctx, call{method: http.MethodDelete, name: name, body: deleteBody(opts), contentType: runtime.ContentTypeJSON})
	return err
}

// DeleteCollection deletes the objects listOpts select.
func (c *Client[T, L]) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	_, _, err := c.send(ctx, call{method: http.MethodDelete, params: &listOpts, body: deleteBody(opts), contentType: runtime.ContentTypeJSON})
	return err
}

// encode marshals obj as a request body with its apiVersion and kind,
// filling them in from the scheme when obj leaves them empty; obj itself is
// not changed.
func (c *Client[T, L]) encode(obj T, verb string) ([]byte, error) {
	if isNil(obj) {
		return nil, fmt.Errorf("typed: %s: nil %s", verb, c.shape.gvk.Kind)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("typed: %s %s: %w", verb, c.shape.gvk.Kind, err)
	}
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return data, nil
	}
	return withTypeMeta(data, c.shape.gvk), nil
}

// withTypeMeta puts apiVersion and kind at the front of a marshalled object
// that has neither, as they are when set.
func withTypeMeta(data []byte, gvk schema.GroupVersionKind) []byte {
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	tm, _ := json.Marshal(metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}) // two strings: cannot fail
	if len(data) <= 2 {                                                        // {}
		return tm
	}
	out := make([]byte, 0, len(tm)+len(data))
	out = append(out, tm[:len(tm)-1]...)
	out = append(out, ',')
	return append(out, data[1:]...)
}

// deleteBody encodes DeleteOptions as the request body, where the server
// reads them (propagationPolicy, preconditions, gracePeriodSeconds, dryRun).
func deleteBody(opts metav1.DeleteOptions) []byte {
	opts.TypeMeta = metav1.TypeMeta{Kind: "DeleteOptions", APIVersion: "v1"}
	data, _ := json.Marshal(&opts) // plain struct of strings, ints and slices: cannot fail
	return data
}

func nameOf(obj runtime.Object) (string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", fmt.Errorf("typed: %w", err)
	}
	return m.GetName(), nil
}

// isNil reports a nil interface or a nil pointer in one.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func errNameRequired(verb string) error {
	return fmt.Errorf("typed: name is required to %s an object", verb)
}
