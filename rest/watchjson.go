package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// NewJSONEventDecoder decodes a JSON watch stream, a sequence of
// {"type": ..., "object": ...} documents, from r. decode turns each object's
// raw JSON into an object; nil means *unstructured.Unstructured through
// apimachinery's unstructured JSON scheme. ERROR events are decoded as
// *metav1.Status whatever decode is. The decoder is not safe for concurrent
// use; NewStreamWatcher calls it from one goroutine.
func NewJSONEventDecoder(r io.ReadCloser, decode func(raw []byte) (runtime.Object, error)) EventDecoder {
	if decode == nil {
		decode = decodeUnstructured
	}
	return &jsonEventDecoder{r: r, dec: json.NewDecoder(r), decode: decode}
}

type jsonEventDecoder struct {
	r      io.ReadCloser
	dec    *json.Decoder
	decode func([]byte) (runtime.Object, error)
}

// wireEvent is metav1.WatchEvent with the object left raw.
type wireEvent struct {
	Type   watch.EventType `json:"type"`
	Object json.RawMessage `json:"object"`
}

func (d *jsonEventDecoder) Decode() (watch.EventType, runtime.Object, error) {
	var ev wireEvent
	if err := d.dec.Decode(&ev); err != nil {
		return "", nil, frameError(err)
	}
	switch ev.Type {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	case watch.Error:
		return ev.Type, errorEventStatus(ev.Object), nil
	default:
		return "", nil, fmt.Errorf("malformed event: unknown type %q", ev.Type)
	}
	if len(ev.Object) == 0 || string(ev.Object) == "null" {
		return "", nil, fmt.Errorf("malformed %s event: no object", ev.Type)
	}
	obj, err := d.decode(ev.Object)
	if err != nil {
		return "", nil, fmt.Errorf("malformed %s event: %w", ev.Type, err)
	}
	return ev.Type, obj, nil
}

// frameError tells a malformed frame from a stream that stopped.
func frameError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.As(err, &syntax), errors.As(err, &typ):
		return fmt.Errorf("malformed event: %w", err)
	case err == io.ErrUnexpectedEOF:
		return fmt.Errorf("stream ended inside an event: %w", err)
	default:
		return fmt.Errorf("read: %w", err)
	}
}

func (d *jsonEventDecoder) Close() error { return d.r.Close() }

func decodeUnstructured(raw []byte) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return u, nil
}
