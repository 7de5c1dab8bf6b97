package dynamic

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kdyn/kdyn/rest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/watch"
)

// Watch starts a watch with opts (Watch is set for the caller), asking for
// PartialObjectMetadata events in protobuf, else JSON. Objects are
// *metav1.PartialObjectMetadata with an empty TypeMeta; ERROR events carry
// a *metav1.Status. Stop or cancelling ctx ends it.
func (m *metadataResource) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	req, err := m.r.build(call{method: http.MethodGet, params: &opts, accept: mediaMetaObject}, false)
	if err != nil {
		return nil, err
	}
	return req.WatchWith(ctx, newMetadataEventDecoder)
}

// metadataEventDecoder reads a watch stream in whichever format the server
// chose. rest hands the decoder the body alone, so the format is told from
// the first byte: a JSON stream starts with '{' (or white space), a
// protobuf one with the big-endian length of its first frame, whose first
// byte is 0 for any frame under 16 MiB (larger ones are refused anyway).
type metadataEventDecoder struct {
	body io.ReadCloser
	br   *bufio.Reader
	dec  rest.EventDecoder // chosen at the first Decode
}

func newMetadataEventDecoder(body io.ReadCloser) rest.EventDecoder {
	return &metadataEventDecoder{body: body, br: bufio.NewReaderSize(body, 32<<10)}
}

func (d *metadataEventDecoder) Decode() (watch.EventType, runtime.Object, error) {
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
			d.dec = rest.NewJSONEventDecoder(rc, decodeMetadataEventJSON)
		default:
			d.dec = newProtobufEventDecoder(rc)
		}
	}
	return d.dec.Decode()
}

// Close closes the body, which ends a Decode blocked in a read; it touches
// nothing Decode uses, as it runs on another goroutine.
func (d *metadataEventDecoder) Close() error { return d.body.Close() }

type readCloser struct {
	io.Reader
	io.Closer
}

func decodeMetadataEventJSON(raw []byte) (runtime.Object, error) {
	obj := &metav1.PartialObjectMetadata{}
	if err := decodeMetadataJSON(raw, obj); err != nil {
		return nil, err
	}
	obj.TypeMeta = metav1.TypeMeta{}
	return obj, nil
}

// protobufEvents decodes the frames of a protobuf watch stream: each a
// metav1.WatchEvent without the envelope, whose object has one.
var protobufEvents = protobuf.NewRawSerializer(runtime.NewScheme(), runtime.NewScheme())

const (
	// maxEventFrame bounds one event of a protobuf watch, as apimachinery's
	// stream decoder does.
	maxEventFrame = 16 << 20
	// keptFrameBuffer is the largest read buffer kept between events.
	keptFrameBuffer = 1 << 20
)

// protobufEventDecoder reads a protobuf watch stream (Content-Type
// application/vnd.kubernetes.protobuf;stream=watch): frames of a 4-byte
// big-endian length and that many bytes. It frames the stream itself
// rather than with apimachinery's frame reader, which reports a stream cut
// inside a long frame as a clean end.
type protobufEventDecoder struct {
	r   io.ReadCloser
	buf []byte
}

func newProtobufEventDecoder(body io.ReadCloser) rest.EventDecoder {
	return &protobufEventDecoder{r: body, buf: make([]byte, 32<<10)}
}

func (d *protobufEventDecoder) Decode() (watch.EventType, runtime.Object, error) {
	frame, err := d.frame()
	if err != nil {
		return "", nil, err
	}
	var ev metav1.WatchEvent
	if _, _, err := protobufEvents.Decode(frame, nil, &ev); err != nil {
		return "", nil, fmt.Errorf("malformed event: %w", err)
	}
	switch t := watch.EventType(ev.Type); t {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
		if len(ev.Object.Raw) == 0 {
			return "", nil, fmt.Errorf("malformed %s event: no object", t)
		}
		obj := &metav1.PartialObjectMetadata{}
		if _, err := decodeProtobuf(ev.Object.Raw, obj); err != nil {
			return "", nil, fmt.Errorf("malformed %s event: %w", t, err)
		}
		obj.TypeMeta = metav1.TypeMeta{}
		return t, obj, nil
	case watch.Error:
		st, ok := decodeProtobufStatus(ev.Object.Raw)
		if !ok {
			// As rest's decoder does: the caller still gets an ERROR event.
			s := apierrors.NewInternalError(errors.New("watch ERROR event without a Status")).Status()
			st = &s
		}
		return t, st, nil
	default:
		return "", nil, fmt.Errorf("malformed event: unknown type %q", ev.Type)
	}
}

// frame reads the next frame; the slice is valid until the next call (the
// decoded event copies what it keeps). io.EOF means the stream ended
// between frames.
func (d *protobufEventDecoder) frame() ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(d.r, size[:]); err != nil {
		return nil, streamError(err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > maxEventFrame {
		return nil, fmt.Errorf("malformed event: a frame of %d bytes, over the limit of %d", n, maxEventFrame)
	}
	buf := d.buf
	if int(n) > cap(buf) {
		buf = make([]byte, n)
		if n <= keptFrameBuffer {
			d.buf = buf
		}
	}
	buf = buf[:n]
	if _, err := io.ReadFull(d.r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, streamError(err)
	}
	return buf, nil
}

func (d *protobufEventDecoder) Close() error { return d.r.Close() }

// streamError tells a stream that ended between frames (io.EOF) from one
// cut inside a frame and from a failed read.
func streamError(err error) error {
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("stream ended inside an event: %w", err)
	}
	return fmt.Errorf("read: %w", err)
}
