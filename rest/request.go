package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Request is one API call being built. Its setters record the first error
// (an invalid name, an unencodable body) and Do, Stream and Watch return it.
// A Request is not safe for concurrent use; build one per call.
type Request struct {
	c      *Client
	method string

	absPath     []string
	namespace   string
	namespaceOK bool
	resource    string
	name        string
	subresource []string

	params  url.Values
	header  http.Header
	body    []byte // nil: no body; kept as bytes so retries can replay it
	timeout time.Duration
	limit   int64 // ResponseLimit; 0: by the request's shape

	err error
}

// AbsPath sets the path prefix, its segments joined with "/", e.g.
// AbsPath("/apis", "apps", "v1"). A trailing "/" on the last segment is kept.
func (r *Request) AbsPath(segments ...string) *Request {
	r.absPath = append([]string(nil), segments...)
	return r
}

// Namespace adds "namespaces/<ns>" after the prefix; "" adds nothing.
func (r *Request) Namespace(ns string) *Request {
	if ns == "" {
		return r
	}
	r.setErr(checkSegment("namespace", ns))
	r.namespace, r.namespaceOK = ns, true
	return r
}

// Resource sets the plural resource name, e.g. "deployments".
func (r *Request) Resource(plural string) *Request {
	r.setErr(checkSegment("resource", plural))
	r.resource = plural
	return r
}

// Name sets the object's name; it may not be empty.
func (r *Request) Name(name string) *Request {
	r.setErr(checkSegment("name", name))
	r.name = name
	return r
}

// SubResource sets the subresource path after the name, e.g. "status" or "scale".
func (r *Request) SubResource(parts ...string) *Request {
	for _, p := range parts {
		r.setErr(checkSegment("subresource", p))
	}
	r.subresource = append([]string(nil), parts...)
	return r
}

// Param adds a query parameter; calling it again with the same key adds another value.
func (r *Request) Param(k, v string) *Request {
	r.params.Add(k, v)
	return r
}

// paramsGV is the version option structs are encoded at: metav1's options
// are unversioned, and typed option structs of core are at "v1".
var paramsGV = schema.GroupVersion{Version: "v1"}

// VersionedParams adds the query parameters codec makes of obj, e.g.
// VersionedParams(&metav1.ListOptions{LabelSelector: "app=x"}, metav1.ParameterCodec).
func (r *Request) VersionedParams(obj runtime.Object, codec runtime.ParameterCodec) *Request {
	q, err := codec.EncodeParameters(obj, paramsGV)
	if err != nil {
		q, err = codec.EncodeParameters(obj, metav1.SchemeGroupVersion)
	}
	if err != nil {
		r.setErr(fmt.Errorf("rest: encode parameters: %w", err))
		return r
	}
	for k, vs := range q {
		// Encoded options replace what is there: a second VersionedParams
		// call overrides, as with client-go.
		r.params[k] = vs
	}
	return r
}

// Body sets the request body: []byte, string, io.Reader (read fully now, so
// retries can replay it), or runtime.Object (encoded as JSON). Content-Type
// becomes application/json unless SetHeader or Patch set it. nil clears it.
func (r *Request) Body(b any) *Request {
	data, err := bodyBytes(b)
	if err != nil {
		r.setErr(err)
		return r
	}
	r.body = data
	if r.header.Get("Content-Type") == "" && data != nil {
		r.header.Set("Content-Type", "application/json")
	}
	return r
}

func bodyBytes(b any) ([]byte, error) {
	switch v := b.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	case runtime.Object:
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("rest: encode body: %w", err)
		}
		return data, nil
	case io.Reader:
		data, err := io.ReadAll(v)
		if err != nil {
			return nil, fmt.Errorf("rest: read body: %w", err)
		}
		return data, nil
	default:
		return nil, fmt.Errorf("rest: unsupported body type %T", b)
	}
}

// SetHeader sets header k to vs, replacing earlier values.
func (r *Request) SetHeader(k string, vs ...string) *Request {
	r.header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	return r
}

// Timeout bounds this request, retries included (for Stream and Watch, until
// the body is closed). 0 keeps Config.Timeout; a negative d means no timeout
// at all, which is what Watch uses, since a watch lives until it is stopped.
func (r *Request) Timeout(d time.Duration) *Request {
	r.timeout = d
	return r
}

// ResponseLimit bounds the response body Do reads, in bytes after
// decompression; past it Do fails with a *TooLargeError. 0 keeps the limit
// the request's shape picks from Config.Limits (Object for a named object or
// a create, List for anything else); a negative n turns the limit off.
func (r *Request) ResponseLimit(n int64) *Request {
	r.limit = n
	return r
}

// responseLimit is the limit Do applies; < 0 means none.
func (r *Request) responseLimit() int64 {
	switch {
	case r.limit != 0:
		return r.limit
	case r.holdsOneObject():
		return r.c.limits.Object
	}
	return r.c.limits.List
}

// holdsOneObject reports whether the response is one object: a named object
// or its status or scale, or a create in a collection.
func (r *Request) holdsOneObject() bool {
	if r.name == "" {
		return r.resource != "" && r.method == http.MethodPost
	}
	switch len(r.subresource) {
	case 0:
		return true
	case 1:
		return r.subresource[0] == "status" || r.subresource[0] == "scale"
	}
	return false
}

// URL returns the URL the request will be sent to.
func (r *Request) URL() *url.URL {
	u := *r.c.base
	parts := []string{u.Path}
	parts = append(parts, r.absPath...)
	if r.namespaceOK {
		parts = append(parts, "namespaces", r.namespace)
	}
	if r.resource != "" {
		parts = append(parts, r.resource)
	}
	if r.name != "" {
		parts = append(parts, r.name)
	}
	parts = append(parts, r.subresource...)
	p := path.Join(parts...)
	if trailingSlash(r) && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u.Path, u.RawPath = p, ""
	u.RawQuery = r.params.Encode()
	return &u
}

// trailingSlash reports whether the caller asked for one: the last AbsPath
// segment ends in "/" and nothing follows it.
func trailingSlash(r *Request) bool {
	n := len(r.absPath)
	return n > 0 && strings.HasSuffix(r.absPath[n-1], "/") &&
		!r.namespaceOK && r.resource == "" && r.name == "" && len(r.subresource) == 0
}

func (r *Request) setErr(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

// checkSegment rejects values that would change the path's shape.
func checkSegment(field, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("rest: %s may not be empty", field)
	case v == "." || v == "..":
		return fmt.Errorf("rest: %s may not be %q", field, v)
	case strings.ContainsAny(v, "/%"):
		return fmt.Errorf("rest: %s %q may not contain '/' or '%%'", field, v)
	}
	return nil
}

// newBody returns a fresh reader over the body for each attempt.
func (r *Request) newBody() io.ReadCloser {
	if r.body == nil {
		return http.NoBody
	}
	return io.NopCloser(bytes.NewReader(r.body))
}
