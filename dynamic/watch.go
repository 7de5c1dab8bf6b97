package dynamic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kdyn/kdyn/rest"
	kun "github.com/kdyn/kdyn/unstructured"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	"k8s.io/apimachinery/pkg/watch"
)

// Watch starts a watch with opts (Watch is set for the caller). Objects are
// *unstructured.Unstructured; ERROR events carry a *metav1.Status, which
// apierrors.FromObject turns into an error. Stop or cancelling ctx ends it.
func (r *resource) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	useCBOR := r.wantCBOR()
	for {
		req, err := r.build(call{method: http.MethodGet, params: &opts, accept: acceptFor(useCBOR)}, false)
		if err != nil {
			return nil, err
		}
		w, err := req.WatchWith(ctx, r.c.eventDecoder(useCBOR))
		if useCBOR && refusedCBOR(statusCode(err), false) {
			r.c.json.add(r.gvr)
			useCBOR = false
			continue
		}
		return w, err
	}
}

func statusCode(err error) int {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		return int(se.ErrStatus.Code)
	}
	return 0
}

func newEventDecoder(useCBOR bool) func(io.ReadCloser) rest.EventDecoder {
	if useCBOR {
		return newCBOREventDecoder
	}
	return newJSONEventDecoder
}

// cborEventDecoder reads an application/cbor-seq watch stream: one
// WatchEvent per CBOR data item.
type cborEventDecoder struct {
	frames io.ReadCloser
	buf    []byte
}

func newCBOREventDecoder(body io.ReadCloser) rest.EventDecoder {
	return &cborEventDecoder{frames: cbor.NewFramer().NewFrameReader(body), buf: make([]byte, 32<<10)}
}

// cborEvent is metav1.WatchEvent as it comes off the wire.
type cborEvent struct {
	Type   watch.EventType      `json:"type"`
	Object runtime.RawExtension `json:"object"`
}

func (d *cborEventDecoder) Decode() (watch.EventType, runtime.Object, error) {
	frame, err := d.frame()
	if err != nil {
		return "", nil, err
	}
	var ev cborEvent
	if err := direct.Unmarshal(frame, &ev); err != nil {
		return "", nil, fmt.Errorf("malformed event: %w", err)
	}
	switch ev.Type {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	case watch.Error:
		st := &metav1.Status{}
		if err := direct.Unmarshal(ev.Object.Raw, st); err != nil {
			return "", nil, fmt.Errorf("malformed ERROR event: %w", err)
		}
		return ev.Type, st, nil
	default:
		return "", nil, fmt.Errorf("malformed event: unknown type %q", ev.Type)
	}
	if len(ev.Object.Raw) == 0 {
		return "", nil, fmt.Errorf("malformed %s event: no object", ev.Type)
	}
	u := &unstructured.Unstructured{}
	if _, _, err := kun.CBORScheme.Decode(ev.Object.Raw, nil, u); err != nil {
		return "", nil, fmt.Errorf("malformed %s event: %w", ev.Type, err)
	}
	return ev.Type, u, nil
}

// frame reads one whole data item, growing the buffer for large ones.
func (d *cborEventDecoder) frame() ([]byte, error) {
	n := 0
	for {
		m, err := d.frames.Read(d.buf[n:])
		n += m
		switch {
		case errors.Is(err, io.ErrShortBuffer):
			d.buf = append(d.buf, make([]byte, len(d.buf))...)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("stream ended inside an event: %w", err)
		case err != nil:
			return nil, err
		default:
			return d.buf[:n], nil
		}
	}
}

func (d *cborEventDecoder) Close() error { return d.frames.Close() }
