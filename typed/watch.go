package typed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kdyn/kdyn/internal/jsondec"
	"github.com/kdyn/kdyn/rest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
)

// Watch watches the objects opts select (Watch is set for the caller).
// Event objects are T, decoded in the format the server chose; ERROR
// events carry a *metav1.Status, which apierrors.FromObject turns into an
// error. Stop, or cancelling ctx, ends it.
func (c *Client[T, L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	req, err := c.request(ctx, call{method: http.MethodGet, params: &opts})
	if err != nil {
		return nil, err
	}
	return req.WatchWith(ctx, func(body io.ReadCloser) rest.EventDecoder {
		return &eventDecoder[T, L]{c: c, body: body, br: bufio.NewReaderSize(body, 32<<10)}
	})
}

// eventDecoder reads a watch stream in whichever format the server chose.
// rest hands the decoder the body alone, so the format is told from the
// first byte: a JSON stream starts with '{' (or white space), a protobuf
// one with the big-endian length of its first frame, whose first byte is 0
// for any frame under 16 MiB (larger ones are refused anyway).
type eventDecoder[T, L runtime.Object] struct {
	c    *Client[T, L]
	body io.ReadCloser
	br   *bufio.Reader
	dec  rest.EventDecoder // chosen at the first Decode
}

func (d *eventDecoder[T, L]) Decode() (watch.EventType, runtime.Object, error) {
	if d.dec == nil {
		first, err := d.br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", nil, io.EOF
			}
			return "", nil, fmt.Errorf("read: %w", err)
		}
		rc := readCloser{Reader: d.br, Closer: d.body}
		switch first[0] {
		case '{', ' ', '\t', '\r', '\n':
			d.dec = rest.NewJSONEventDecoder(rc, d.decodeJSON)
		default:
			d.dec = newProtobufEvents(rc, d.decodeProtobuf)
		}
	}
	return d.dec.Decode()
}

// Close closes the body, which ends a Decode blocked in a read; it touches
// nothing Decode uses, as it runs on another goroutine.
func (d *eventDecoder[T, L]) Close() error { return d.body.Close() }

type readCloser struct {
	io.Reader
	io.Closer
}

// decodeJSON decodes the object of a JSON event. Watch events are never
// checked strictly: one unknown field would end the watch.
func (d *eventDecoder[T, L]) decodeJSON(raw []byte) (runtime.Object, error) {
	obj := d.c.shape.newObj()
	err := recovered(func() error { return jsondec.Unmarshal(raw, obj) })
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if err != nil {
		kind = jsonKind(raw)
	}
	return d.checked(obj, kind, err)
}

func (d *eventDecoder[T, L]) decodeProtobuf(raw []byte) (runtime.Object, error) {
	obj := d.c.shape.newObj()
	var kind string
	err := recovered(func() (err error) {
		kind, err = decodeProtobuf(raw, obj)
		return err
	})
	return d.checked(obj, kind, err)
}

// checked refuses an event object of another kind, which is reported
// before any error decoding it as T, and sets its TypeMeta as the Client's
// options say.
func (d *eventDecoder[T, L]) checked(obj T, kind string, err error) (runtime.Object, error) {
	if want := d.c.shape.gvk.Kind; kind != "" && kind != want {
		return nil, fmt.Errorf("the server sent a %s where a %s was expected", kind, want)
	}
	if err != nil {
		return nil, err
	}
	d.c.typeMeta(obj, d.c.shape.gvk)
	return obj, nil
}

// protobufEvents decodes the frames of a protobuf watch stream
// (application/vnd.kubernetes.protobuf;stream=watch): length-prefixed
// metav1.WatchEvents without the envelope, each holding an object with
// one.
type protobufEvents struct {
	frames streaming.Decoder
	decode func(raw []byte) (runtime.Object, error)
}

// protobufEventFrames decodes the frames themselves.
var protobufEventFrames = protobuf.NewRawSerializer(runtime.NewScheme(), runtime.NewScheme())

func newProtobufEvents(body io.ReadCloser, decode func([]byte) (runtime.Object, error)) rest.EventDecoder {
	frames := protobuf.LengthDelimitedFramer.NewFrameReader(body)
	return &protobufEvents{frames: streaming.NewDecoder(frames, protobufEventFrames), decode: decode}
}

func (d *protobufEvents) Decode() (watch.EventType, runtime.Object, error) {
	var ev metav1.WatchEvent
	if _, _, err := d.frames.Decode(nil, &ev); err != nil {
		return "", nil, protobufStreamError(err)
	}
	switch t := watch.EventType(ev.Type); t {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
		if len(ev.Object.Raw) == 0 {
			return "", nil, fmt.Errorf("malformed %s event: no object", t)
		}
		obj, err := d.decode(ev.Object.Raw)
		if err != nil {
			return "", nil, fmt.Errorf("malformed %s event: %w", t, err)
		}
		return t, obj, nil
	case watch.Error:
		st, ok := decodeProtobufStatus(ev.Object.Raw)
		if !ok {
			// As rest's JSON decoder does: the caller still gets an ERROR event.
			s := apierrors.NewInternalError(errors.New("watch ERROR event without a Status")).Status()
			st = &s
		}
		return t, st, nil
	default:
		return "", nil, fmt.Errorf("malformed event: unknown type %q", ev.Type)
	}
}

func (d *protobufEvents) Close() error { return d.frames.Close() }

// protobufStreamError tells a stream that ended between frames (io.EOF)
// from one cut inside a frame and from a malformed or oversized frame.
func protobufStreamError(err error) error {
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("stream ended inside an event: %w", err)
	}
	return fmt.Errorf("malformed or unreadable event: %w", err)
}
