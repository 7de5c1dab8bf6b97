package dynamic

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/kdyn/kdyn/rest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// MetadataInterface reaches the metadata of one resource's objects, in one
// namespace or cluster-wide: names, labels, annotations, owners, finalizers,
// resourceVersions, without spec or status. Its methods up to Patch have the
// signatures of client-go's metadata.ResourceInterface.
type MetadataInterface interface {
	Delete(ctx context.Context, name string, options metav1.DeleteOptions, subresources ...string) error
	DeleteCollection(ctx context.Context, options metav1.DeleteOptions, listOptions metav1.ListOptions) error
	Get(ctx context.Context, name string, options metav1.GetOptions, subresources ...string) (*metav1.PartialObjectMetadata, error)
	List(ctx context.Context, opts metav1.ListOptions) (*metav1.PartialObjectMetadataList, error)
	// Watch delivers *metav1.PartialObjectMetadata objects; ERROR events
	// carry a *metav1.Status, which apierrors.FromObject turns into an error.
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*metav1.PartialObjectMetadata, error)

	// All lists page by page (opts.Limit per request, 500 if unset), yielding
	// each object, and stops at the first error; a continue token the server
	// has expired yields an *ExpiredError.
	All(ctx context.Context, opts metav1.ListOptions) iter.Seq2[*metav1.PartialObjectMetadata, error]
}

// NamespaceableMetadataInterface is a MetadataInterface for all namespaces
// (or a cluster-scoped resource) that Namespace narrows to one namespace.
type NamespaceableMetadataInterface interface {
	Namespace(string) MetadataInterface
	MetadataInterface
}

// MetadataClient is the metadata-only mode of a Client: the same
// connection, rate limiter and retries, with responses asked for as
// meta.k8s.io/v1 PartialObjectMetadata — protobuf first, then JSON — so the
// server sends, and the client decodes, metadata alone. This works for any
// resource, custom ones included, since PartialObjectMetadata is a built-in
// type. Servers that answer with whole objects (aggregated API servers that
// do not transform responses) are read the same way, their objects stripped
// to their metadata.
//
// Returned objects have an empty TypeMeta whatever the wire format; the
// resource named in the request is what they are. It is safe for
// concurrent use.
type MetadataClient struct {
	c *Client
}

// Metadata returns c's metadata-only mode. No request is made.
func (c *Client) Metadata() *MetadataClient { return &MetadataClient{c: c} }

// NewMetadataForConfig builds a MetadataClient with its own rest.Client from
// cfg, as client-go's metadata.NewForConfig does.
func NewMetadataForConfig(cfg *rest.Config) (*MetadataClient, error) {
	c, err := NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return c.Metadata(), nil
}

// Resource returns the metadata interface to gvr, cluster-wide or, after
// Namespace, in one namespace. No request is made.
func (m *MetadataClient) Resource(gvr schema.GroupVersionResource) NamespaceableMetadataInterface {
	return &metadataResource{r: &resource{c: m.c, gvr: gvr}}
}

// MetadataForKind is ForKind in metadata-only mode: the resource of gvk,
// resolved as ForKind does, its scope checked before any request.
func (m *Mapped) MetadataForKind(ctx context.Context, gvk schema.GroupVersionKind) (NamespaceableMetadataInterface, error) {
	ri, err := m.ForKind(ctx, gvk)
	if err != nil {
		return nil, err
	}
	r, ok := ri.(*resource)
	if !ok {
		return nil, fmt.Errorf("dynamic: ForKind returned a %T", ri)
	}
	return &metadataResource{r: r}, nil
}

var _ NamespaceableMetadataInterface = (*metadataResource)(nil)

// metadataResource implements NamespaceableMetadataInterface over the
// resource it shares its request building with.
type metadataResource struct {
	r *resource
}

func (m *metadataResource) Namespace(ns string) MetadataInterface {
	return &metadataResource{r: m.r.Namespace(ns).(*resource)}
}

func (m *metadataResource) Get(ctx context.Context, name string, opts metav1.GetOptions, sub ...string) (*metav1.PartialObjectMetadata, error) {
	if name == "" {
		return nil, errNameRequired("get")
	}
	return m.object(ctx, call{method: http.MethodGet, name: name, sub: sub, params: &opts, accept: mediaMetaObject})
}

func (m *metadataResource) List(ctx context.Context, opts metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
	list, err := m.list(ctx, opts)
	if err != nil {
		return nil, pageError(err, opts.Continue)
	}
	return list, nil
}

func (m *metadataResource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) (*metav1.PartialObjectMetadata, error) {
	if name == "" {
		return nil, errNameRequired("patch")
	}
	body := rawBody{contentType: string(pt), data: data}
	return m.object(ctx, call{method: http.MethodPatch, name: name, sub: sub, params: &opts, body: body, accept: mediaMetaObject})
}

// Delete deletes the named object. The server is asked for the deleted
// object's metadata only, which Delete discards, as client-go's does.
func (m *metadataResource) Delete(ctx context.Context, name string, opts metav1.DeleteOptions, sub ...string) error {
	if name == "" {
		return errNameRequired("delete")
	}
	return m.do(ctx, call{method: http.MethodDelete, name: name, sub: sub, body: deleteBody(opts), accept: mediaMetaObject}, nil)
}

func (m *metadataResource) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	return m.do(ctx, call{method: http.MethodDelete, params: &listOpts, body: deleteBody(opts), accept: mediaMetaList}, nil)
}

// All pages through the list as the dynamic resource's All does.
func (m *metadataResource) All(ctx context.Context, opts metav1.ListOptions) iter.Seq2[*metav1.PartialObjectMetadata, error] {
	return allPages(opts, func(opts metav1.ListOptions) ([]metav1.PartialObjectMetadata, string, error) {
		l, err := m.list(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
}

func (m *metadataResource) list(ctx context.Context, opts metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
	var list *metav1.PartialObjectMetadataList
	err := m.do(ctx, call{method: http.MethodGet, params: &opts, accept: mediaMetaList}, func(data []byte, contentType string) (err error) {
		list, err = decodeMetadataList(data, contentType)
		return err
	})
	return list, err
}

func (m *metadataResource) object(ctx context.Context, cl call) (*metav1.PartialObjectMetadata, error) {
	var obj *metav1.PartialObjectMetadata
	err := m.do(ctx, cl, func(data []byte, contentType string) (err error) {
		obj, err = decodeMetadataObject(data, contentType)
		return err
	})
	return obj, err
}

// do sends cl and hands the body and its Content-Type to decode, if not
// nil. A Status in a protobuf error body becomes the *apierrors.StatusError
// it describes.
//
// The body is lent (rest.Request.DoWith): every decoder here copies what it
// keeps (the generated protobuf code, and internal/jsondec's owned strings), so
// a List does not allocate a buffer the size of its body each time.
func (m *metadataResource) do(ctx context.Context, cl call, decode func(data []byte, contentType string) error) error {
	req, err := m.r.build(cl, false)
	if err != nil {
		return err
	}
	return req.DoWith(ctx, func(res rest.Result) error {
		data, err := res.Raw()
		if err != nil {
			return protobufStatusError(err, data, res.ContentType())
		}
		if decode == nil {
			return nil
		}
		return decode(data, res.ContentType())
	})
}
