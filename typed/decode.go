package typed

import (
	"fmt"
	"mime"
	"strings"

	"github.com/kdyn/kdyn/internal/jsondec"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
)

// decodeObject decodes a response holding one T. With Options.Strict, a T
// with unknown or duplicate fields is returned with the strict error.
func decodeObject[T, L runtime.Object](c *Client[T, L], data []byte, contentType string) (T, error) {
	obj := c.shape.newObj()
	err := c.decode(data, contentType, obj, c.shape.gvk)
	if err != nil && !runtime.IsStrictDecodingError(err) {
		var zero T
		return zero, err
	}
	c.typeMeta(obj, c.shape.gvk)
	return obj, err
}

// decodeList decodes a response holding an L.
func decodeList[T, L runtime.Object](c *Client[T, L], data []byte, contentType string) (L, error) {
	l := c.shape.newList()
	err := c.decode(data, contentType, l, c.shape.listGVK)
	if err != nil && !runtime.IsStrictDecodingError(err) {
		var zero L
		return zero, err
	}
	c.typeMeta(l, c.shape.listGVK)
	if c.cs.opts.SetTypeMeta {
		c.shape.each(l, func(item T) bool {
			item.GetObjectKind().SetGroupVersionKind(c.shape.gvk)
			return true
		})
	}
	return l, err
}

// typeMeta leaves obj's apiVersion and kind empty, as client-go's decoder
// does, or sets them to gvk with Options.SetTypeMeta.
func (c *Client[T, L]) typeMeta(obj runtime.Object, gvk schema.GroupVersionKind) {
	if !c.cs.opts.SetTypeMeta {
		gvk = schema.GroupVersionKind{}
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
}

// decode decodes data, in its Content-Type, into obj, which should be of
// kind want. A Status in its place becomes the *apierrors.StatusError it
// describes.
func (c *Client[T, L]) decode(data []byte, contentType string, obj runtime.Object, want schema.GroupVersionKind) error {
	if len(data) == 0 {
		return fmt.Errorf("typed: empty response where a %s was expected", want.Kind)
	}
	var (
		kind      string
		err       error
		strictErr error
	)
	switch mt := mediaType(contentType); mt {
	case runtime.ContentTypeProtobuf:
		err = recovered(func() (err error) {
			kind, err = decodeProtobuf(data, obj)
			return err
		})
	case runtime.ContentTypeJSON, "":
		err = recovered(func() (err error) {
			strictErr, err = c.decodeJSON(data, obj)
			return err
		})
		kind = obj.GetObjectKind().GroupVersionKind().Kind
		if err != nil {
			kind = jsonKind(data)
		}
	default:
		return fmt.Errorf("typed: %s response in Content-Type %q, which is neither JSON nor protobuf", want.Kind, contentType)
	}
	if kind != "" && kind != want.Kind {
		return unexpectedKind(data, contentType, kind, want)
	}
	if err != nil {
		return fmt.Errorf("typed: decode %s: %w", want.Kind, err)
	}
	return strictErr
}

// recovered runs decode and returns its error, or an error for its panic:
// a response that meets a bug of the decoders, or of a type's own
// UnmarshalJSON or Unmarshal, costs the call, not the process. Decoding
// changes nothing shared: the codecs are built before, and the value
// decoded into is dropped with the error.
func recovered(decode func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the decoder panicked on this response (a bug): %v", r)
		}
	}()
	return decode()
}

// decodeJSON decodes data into obj in one pass, or with Options.Strict
// through sigs.k8s.io/json's strict decoder, whose findings come back as
// apimachinery's strict decoding error.
func (c *Client[T, L]) decodeJSON(data []byte, obj runtime.Object) (strictErr, err error) {
	if !c.cs.opts.Strict {
		return nil, jsondec.Unmarshal(data, obj)
	}
	errs, err := kjson.UnmarshalStrict(data, obj)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return runtime.NewStrictDecodingError(errs), nil
	}
	return nil, nil
}

// jsonKind reads the kind of a JSON document that did not decode.
func jsonKind(data []byte) string {
	var tm metav1.TypeMeta
	_ = kjson.UnmarshalCaseSensitivePreserveInts(data, &tm)
	return tm.Kind
}

// unexpectedKind is the error for a response of another kind than asked
// for: a Status's own error, or one naming both kinds.
func unexpectedKind(data []byte, contentType, kind string, want schema.GroupVersionKind) error {
	if kind == "Status" {
		if st, ok := decodeStatus(data, contentType); ok && st.Status != metav1.StatusSuccess {
			return &apierrors.StatusError{ErrStatus: *st}
		}
	}
	return fmt.Errorf("typed: the server sent a %s where a %s was expected", kind, want.Kind)
}

func decodeStatus(data []byte, contentType string) (*metav1.Status, bool) {
	if mediaType(contentType) == runtime.ContentTypeProtobuf {
		return decodeProtobufStatus(data)
	}
	st := &metav1.Status{}
	if kjson.UnmarshalCaseSensitivePreserveInts(data, st) != nil || st.Kind != "Status" {
		return nil, false
	}
	return st, true
}

// mediaType returns the media type of a Content-Type, lower-cased; "" for
// none, and the header itself when it does not parse.
func mediaType(contentType string) string {
	if strings.TrimSpace(contentType) == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType
	}
	return mt
}
