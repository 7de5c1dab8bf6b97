package typed

import (
	"context"
	"net/http"

	"github.com/kdyn/kdyn/rest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Accept headers: protobuf first where the type has it, as client-go's
// Clientset asks with ContentType application/vnd.kubernetes.protobuf.
const (
	acceptJSON     = runtime.ContentTypeJSON
	acceptProtobuf = runtime.ContentTypeProtobuf + ", " + runtime.ContentTypeJSON
)

// call is one request of a Client; every verb is a thin caller of send.
type call struct {
	method      string
	name        string         // "" addresses the collection
	sub         []string       // subresource path after the name
	params      runtime.Object // options sent as query parameters
	body        []byte
	contentType string // of body
}

// request resolves the Client's resource and builds the rest.Request for cl.
func (c *Client[T, L]) request(ctx context.Context, cl call) (*rest.Request, error) {
	t, err := c.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.checkScope(t, cl.name, cl.name != "" || cl.method == http.MethodPost); err != nil {
		return nil, err
	}
	req := c.cs.rc.Verb(cl.method)
	if t.gvr.Group == "" {
		req.AbsPath("/api", t.gvr.Version)
	} else {
		req.AbsPath("/apis", t.gvr.Group, t.gvr.Version)
	}
	req.Namespace(c.ns).Resource(t.gvr.Resource)
	if cl.name != "" {
		req.Name(cl.name)
	}
	if len(cl.sub) > 0 {
		req.SubResource(cl.sub...)
	}
	if cl.params != nil {
		req.VersionedParams(cl.params, metav1.ParameterCodec)
	}
	req.SetHeader("Accept", c.accept())
	if cl.body != nil {
		req.SetHeader("Content-Type", cl.contentType).Body(cl.body)
	}
	return req, nil
}

func (c *Client[T, L]) accept() string {
	if c.cs.opts.Protobuf && c.shape.proto {
		return acceptProtobuf
	}
	return acceptJSON
}

// send sends cl and returns the response body and its Content-Type.
func (c *Client[T, L]) send(ctx context.Context, cl call) ([]byte, string, error) {
	req, err := c.request(ctx, cl)
	if err != nil {
		return nil, "", err
	}
	res := req.Do(ctx)
	data, err := res.Raw()
	if err != nil {
		return nil, "", protobufStatusError(err, data, res.ContentType())
	}
	return data, res.ContentType(), nil
}

// object sends cl and decodes the T in the response. With Options.Strict,
// an object with unknown fields comes back with the strict decoding error.
func (c *Client[T, L]) object(ctx context.Context, cl call) (T, error) {
	data, contentType, err := c.send(ctx, cl)
	if err != nil {
		var zero T
		return zero, err
	}
	return decodeObject(c, data, contentType)
}

// list sends cl and decodes the L in the response.
func (c *Client[T, L]) list(ctx context.Context, cl call) (L, error) {
	data, contentType, err := c.send(ctx, cl)
	if err != nil {
		var zero L
		return zero, err
	}
	return decodeList(c, data, contentType)
}
