package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	kun "github.com/kdyn/kdyn/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Result is the outcome of Request.Do: the whole response body and either
// nil or the error of the request. The zero Result carries no response.
type Result struct {
	body       []byte
	err        error
	statusCode int
	header     http.Header
	lent       bool // the body is DoWith's, reused after its decode
}

// Raw returns the response body and the error (if any). The body is returned
// even with an error, e.g. the Status document of a 404.
func (r Result) Raw() ([]byte, error) { return r.body, r.err }

// Error returns the request's error: nil for 2xx and 304 Not Modified,
// *apierrors.StatusError for other statuses (see ErrorFromResponse), or the
// error that kept the request from getting a response.
func (r Result) Error() error { return r.err }

// StatusCode returns the HTTP status code, 0 when there was no response.
func (r Result) StatusCode() int { return r.statusCode }

// Header returns the response headers (ETag, Content-Type, ...); nil when
// there was no response.
func (r Result) Header() http.Header { return r.header }

// ContentType returns the response's Content-Type header.
func (r Result) ContentType() string { return r.header.Get("Content-Type") }

// Into decodes the JSON body into obj. It returns the request's error first.
// *unstructured.Unstructured and *unstructured.UnstructuredList are decoded
// by kdyn's unstructured package in one pass without reflection, into the
// values their UnmarshalJSON produces (their strings share one copy of the
// body); UnmarshalJSON is still used when the Content-Type names something
// other than JSON. Typed objects (metav1.Status, APIGroupList, ...) go
// through apimachinery's JSON, which keeps integers as int64. In DoWith,
// unstructured objects get a copy of the body of their own.
func (r Result) Into(obj runtime.Object) error {
	if r.err != nil {
		return r.err
	}
	if len(r.body) == 0 {
		return fmt.Errorf("rest: empty response body (status %d)", r.statusCode)
	}
	var err error
	if isUnstructured(obj) && r.isJSON() {
		body := r.body
		if r.lent {
			body = bytes.Clone(body)
		}
		_, _, err = kun.JSONScheme.Decode(body, nil, obj)
	} else if u, ok := obj.(json.Unmarshaler); ok {
		err = u.UnmarshalJSON(r.body)
	} else {
		err = utiljson.Unmarshal(r.body, obj)
	}
	if err != nil {
		return fmt.Errorf("rest: decode %T: %w", obj, err)
	}
	return nil
}

func isUnstructured(obj runtime.Object) bool {
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList:
		return true
	}
	return false
}

// isJSON reports whether the Content-Type says JSON or is missing: Into
// has always read a body without one as JSON.
func (r Result) isJSON() bool {
	ct := r.ContentType()
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == runtime.ContentTypeJSON
}
