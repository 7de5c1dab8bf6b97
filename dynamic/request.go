package dynamic

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kdyn/kdyn/rest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
)

// call is one request to a resource; every verb is a thin caller of do.
type call struct {
	method string
	name   string         // "" addresses the collection
	sub    []string       // subresource path after the name
	params runtime.Object // options sent as query parameters
	body   any            // nil, *unstructured.Unstructured or rawBody
	accept string         // "" negotiates JSON or CBOR
}

// rawBody is a request body already encoded in its own content type.
type rawBody struct {
	contentType string
	data        []byte
}

// do sends cl and returns the response body and its Content-Type. When the
// server refuses CBOR for this resource it is resent in JSON, and the
// resource stays on JSON.
func (r *resource) do(ctx context.Context, cl call) ([]byte, string, error) {
	useCBOR := r.wantCBOR() && cl.accept == ""
	for {
		req, err := r.build(cl, useCBOR)
		if err != nil {
			return nil, "", err
		}
		res := req.Do(ctx)
		_, cborBody := cl.body.(*unstructured.Unstructured)
		if useCBOR && refusedCBOR(res.StatusCode(), cborBody) {
			r.c.json.add(r.gvr)
			useCBOR = false
			continue
		}
		data, err := res.Raw()
		if err != nil {
			return nil, res.ContentType(), cborStatusError(err, data, res.ContentType())
		}
		return data, res.ContentType(), nil
	}
}

// build makes the rest.Request for cl.
func (r *resource) build(cl call, useCBOR bool) (*rest.Request, error) {
	if r.gvr.Version == "" || r.gvr.Resource == "" {
		return nil, fmt.Errorf("dynamic: incomplete resource %q: version and resource are required", r.gvr.String())
	}
	if err := r.checkScope(cl.name, cl.name != "" || cl.method == http.MethodPost); err != nil {
		return nil, err
	}
	req := r.c.rc.Verb(cl.method)
	if r.gvr.Group == "" {
		req.AbsPath("/api", r.gvr.Version)
	} else {
		req.AbsPath("/apis", r.gvr.Group, r.gvr.Version)
	}
	req.Namespace(r.ns).Resource(r.gvr.Resource)
	if cl.name != "" {
		req.Name(cl.name)
	}
	if len(cl.sub) > 0 {
		req.SubResource(cl.sub...)
	}
	if cl.params != nil {
		req.VersionedParams(cl.params, metav1.ParameterCodec)
	}
	accept := cl.accept
	if accept == "" {
		accept = acceptFor(useCBOR)
	}
	req.SetHeader("Accept", accept)
	data, contentType, err := encodeBody(cl.body, useCBOR)
	if err != nil {
		return nil, err
	}
	if data != nil {
		req.SetHeader("Content-Type", contentType).Body(data)
	}
	return req, nil
}

func encodeBody(body any, useCBOR bool) ([]byte, string, error) {
	switch b := body.(type) {
	case nil:
		return nil, "", nil
	case rawBody:
		return b.data, b.contentType, nil
	case *unstructured.Unstructured:
		if useCBOR {
			data, err := encodeCBOR(b)
			return data, mediaCBOR, err
		}
		data, err := b.MarshalJSON()
		if err != nil {
			return nil, "", fmt.Errorf("dynamic: encode %s: %w", b.GetKind(), err)
		}
		return data, mediaJSON, nil
	}
	return nil, "", fmt.Errorf("dynamic: unsupported body %T", body)
}

// object sends cl and decodes the object in the response.
func (r *resource) object(ctx context.Context, cl call) (*unstructured.Unstructured, error) {
	data, contentType, err := r.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	return decodeObject(data, contentType)
}

// list sends cl and decodes the list in the response.
func (r *resource) list(ctx context.Context, cl call) (*unstructured.UnstructuredList, error) {
	data, contentType, err := r.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	return r.c.decodeList(data, contentType)
}

// cborStatusError replaces the generic error rest makes of a CBOR error body
// with the Status the body holds.
func cborStatusError(err error, body []byte, contentType string) error {
	var se *apierrors.StatusError
	if !isCBOR(contentType) || !errors.As(err, &se) || len(body) == 0 {
		return err
	}
	var st metav1.Status
	if direct.Unmarshal(body, &st) != nil || st.Kind != "Status" || st.Status != metav1.StatusFailure {
		return err
	}
	if st.Code == 0 {
		st.Code = se.ErrStatus.Code
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// refusedCBOR reports a status by which a server refuses CBOR for a
// resource: 406 for the Accept header, 415 for a CBOR body. A 415 for a
// body in another content type (a strategic merge patch of a custom
// resource) is the caller's error, not a reason to leave CBOR.
func refusedCBOR(code int, cborBody bool) bool {
	return code == http.StatusNotAcceptable || (cborBody && code == http.StatusUnsupportedMediaType)
}
