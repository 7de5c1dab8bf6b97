package dynamic

import (
	"errors"
	"fmt"
	"io"

	"github.com/kdyn/kdyn/rest"
	kun "github.com/kdyn/kdyn/unstructured"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Buffer sizes of jsonEventDecoder.
const (
	// initialEventBuffer fits most events and many at once.
	initialEventBuffer = 32 << 10
	// maxIdleEventBuffer is the most a decoder keeps once the frame that
	// needed more is gone.
	maxIdleEventBuffer = 256 << 10
)

// jsonEventDecoder reads a JSON watch stream, a sequence of
// {"type": ..., "object": ...} documents, and decodes each in one pass with
// kdyn's decoder: no intermediate copy of the object as raw JSON.
//
// Its buffer holds what was read; frames are returned from it in place and
// dropped by moving a read offset (fs.start), so that the bytes still
// pending are moved only when the buffer is full, and at most as many as
// the reads that follow make room for: decoding stays linear in the stream.
// A buffer grown for a large frame shrinks back once that frame is done.
// The size of one event is bounded by the rest client's reader
// (rest.Limits.Object), not here.
type jsonEventDecoder struct {
	r   io.ReadCloser
	buf []byte // buf[fs.start:] is read but not yet returned
	fs  frameScan
	eof bool
	dec kun.Decoder
	// moved counts the bytes moved within or between buffers: tests check
	// that it stays within the stream's length.
	moved int
}

func newJSONEventDecoder(body io.ReadCloser) rest.EventDecoder {
	return &jsonEventDecoder{r: body, buf: make([]byte, 0, initialEventBuffer)}
}

func (d *jsonEventDecoder) Close() error { return d.r.Close() }

func (d *jsonEventDecoder) Decode() (watch.EventType, runtime.Object, error) {
	frame, err := d.frame()
	if err != nil {
		return "", nil, err
	}
	v, err := d.dec.DecodeValue(frame)
	if err != nil {
		return "", nil, fmt.Errorf("malformed event: %w", err)
	}
	ev, _ := v.(map[string]any)
	typ, _ := ev["type"].(string)
	obj, _ := ev["object"].(map[string]any)
	switch t := watch.EventType(typ); t {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
		u := &unstructured.Unstructured{Object: obj}
		if obj == nil || u.GetKind() == "" {
			return "", nil, fmt.Errorf("malformed %s event: no object with a kind", t)
		}
		return t, u, nil
	case watch.Error:
		st := &metav1.Status{}
		if obj == nil || runtime.DefaultUnstructuredConverter.FromUnstructured(obj, st) != nil || st.Kind != "Status" {
			// As rest's decoder does: the caller still gets an ERROR event.
			*st = apierrors.NewInternalError(fmt.Errorf("watch ERROR event without a Status: %.200s", frame)).Status()
		}
		return t, st, nil
	default:
		return "", nil, fmt.Errorf("malformed event: unknown type %q", typ)
	}
}

// frame returns the next top-level JSON value of the stream, reading more
// as needed. The returned slice is valid until the next call.
func (d *jsonEventDecoder) frame() ([]byte, error) {
	if cap(d.buf) > maxIdleEventBuffer && len(d.buf)-d.fs.start <= initialEventBuffer/2 {
		d.resize(initialEventBuffer) // the large frame is done
	}
	for {
		if end, err := d.fs.scan(d.buf); err != nil {
			return nil, fmt.Errorf("malformed event: %w", err)
		} else if end > 0 {
			frame := d.buf[d.fs.begin:end]
			d.fs.start = end
			return frame, nil
		}
		if d.eof {
			if d.fs.open() {
				return nil, fmt.Errorf("stream ended inside an event: %w", io.ErrUnexpectedEOF)
			}
			return nil, io.EOF
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more of the stream into buf, making room at its end first
// when it is full.
func (d *jsonEventDecoder) fill() error {
	if len(d.buf) == cap(d.buf) {
		d.makeRoom()
	}
	n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
	d.buf = d.buf[:len(d.buf)+n]
	switch {
	case errors.Is(err, io.EOF):
		d.eof = true
	case err != nil:
		return fmt.Errorf("read: %w", err)
	}
	return nil
}

// makeRoom drops the returned frames from a full buffer, doubling it when
// the pending bytes fill more than half of it: each move then frees at
// least as much room as it copies.
func (d *jsonEventDecoder) makeRoom() {
	size := cap(d.buf)
	if len(d.buf)-d.fs.start > size/2 {
		size *= 2
	}
	d.resize(size)
}

// resize moves the pending bytes to the front of a buffer of capacity size
// (the same one if its capacity is size) and drops the returned frames.
func (d *jsonEventDecoder) resize(size int) {
	pending := d.buf[d.fs.start:]
	buf := d.buf[:0]
	if size != cap(d.buf) {
		buf = make([]byte, 0, max(size, len(pending)))
	}
	d.buf = append(buf, pending...)
	d.moved += len(pending)
	d.fs.shift(d.fs.start)
}

// frameScan finds where a top-level JSON value ends, keeping its state
// between reads so that no byte is scanned twice. It tracks only strings and
// nesting; the decoder checks the rest of the syntax.
type frameScan struct {
	start  int  // end of the previous frame
	begin  int  // first byte of the current value, -1 before it
	pos    int  // next byte to look at
	depth  int  // open objects and arrays
	inStr  bool // inside a string
	escape bool // after a backslash inside a string
	begun  bool // the current value has started
}

func (f *frameScan) open() bool { return f.begun }

// shift moves the scan's positions n bytes back, after the buffer dropped
// its first n bytes.
func (f *frameScan) shift(n int) {
	f.start -= n
	f.pos -= n
	if f.begun {
		f.begin -= n
	}
}

// scan advances over buf and returns the end of the current value, or 0 if
// buf does not hold all of it yet.
func (f *frameScan) scan(buf []byte) (int, error) {
	for ; f.pos < len(buf); f.pos++ {
		c := buf[f.pos]
		switch {
		case f.inStr:
			switch {
			case f.escape:
				f.escape = false
			case c == '\\':
				f.escape = true
			case c == '"':
				f.inStr = false
			}
		case !f.begun:
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			case '{':
				f.begun, f.begin, f.depth = true, f.pos, 1
			default:
				return 0, fmt.Errorf("invalid character %q at the start of an event", c)
			}
		case c == '"':
			f.inStr = true
		case c == '{' || c == '[':
			f.depth++
		case c == '}' || c == ']':
			f.depth--
			if f.depth == 0 {
				f.pos++
				f.begun = false
				return f.pos, nil
			}
		}
	}
	return 0, nil
}
