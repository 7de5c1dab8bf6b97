package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// EventDecoder reads watch events off a stream. The dynamic package plugs in
// its own (a faster JSON object decoder, CBOR sequences); NewJSONEventDecoder
// is the default.
type EventDecoder interface {
	// Decode blocks until the next event. It returns io.EOF when the stream
	// ended cleanly, and any other error for a broken or malformed stream.
	// Error events carry a *metav1.Status object.
	Decode() (watch.EventType, runtime.Object, error)
	// Close closes the stream; a Decode blocked in a read must then return.
	Close() error
}

// Watch sends the request (adding watch=true unless set) and returns the
// stream of events, objects decoded as *unstructured.Unstructured. ERROR
// events carry a *metav1.Status: apierrors.FromObject turns it into an
// *apierrors.StatusError. A non-2xx response returns the same error as
// Result.Error. Stop, or cancelling ctx, ends the watch and its goroutine.
func (r *Request) Watch(ctx context.Context) (watch.Interface, error) {
	return r.WatchWith(ctx, func(body io.ReadCloser) EventDecoder {
		return NewJSONEventDecoder(body, nil)
	})
}

// WatchWith is Watch with the event decoder newDecoder makes of the body, for
// streams in another format; set the Accept header to match. What the
// decoder reads for one event is bounded by Config.Limits.Object: a Decode
// that needs more fails, and the watch ends with an ERROR event whose
// Status is a 413 (apierrors.IsRequestEntityTooLargeError), which retrying
// would not cure. The bound holds for decoders that read only while their
// current event is incomplete.
func (r *Request) WatchWith(ctx context.Context, newDecoder func(io.ReadCloser) EventDecoder) (watch.Interface, error) {
	if _, ok := r.params["watch"]; !ok {
		r.Param("watch", "true")
	}
	if r.timeout == 0 {
		r.timeout = -1 // Config.Timeout is for ordinary requests, not watches
	}
	body, err := r.Stream(ctx)
	if err != nil {
		return nil, err
	}
	if limit := r.c.limits.Object; limit >= 0 {
		l := &eventLimiter{ReadCloser: body, limit: limit}
		w := newStreamWatcher(newDecoder(l), ctx.Done(), l.next)
		return w, nil
	}
	return newStreamWatcher(newDecoder(body), ctx.Done(), nil), nil
}

// NewStreamWatcher runs d in a goroutine and delivers its events on the
// returned watch.Interface. When d fails with anything but io.EOF, one ERROR
// event with a Status naming the error is delivered before the channel
// closes. Stop closes d and returns once the goroutine has finished, so no
// goroutine is left behind. Safe for concurrent use.
func NewStreamWatcher(d EventDecoder) watch.Interface {
	return newStreamWatcher(d, nil, nil)
}

// newStreamWatcher is NewStreamWatcher whose goroutine also ends when
// cancelled is closed, even while no one reads its events, and calls
// beforeDecode (if not nil) before each Decode.
func newStreamWatcher(d EventDecoder, cancelled <-chan struct{}, beforeDecode func()) *streamWatcher {
	w := &streamWatcher{d: d, result: make(chan watch.Event), done: make(chan struct{}), exited: make(chan struct{}),
		cancelled: cancelled, beforeDecode: beforeDecode}
	go w.receive()
	return w
}

type streamWatcher struct {
	d      EventDecoder
	result chan watch.Event
	done   chan struct{} // closed by Stop
	exited chan struct{} // closed when receive returns
	once   sync.Once
	// cancelled is the watch's ctx.Done(): a send blocked on a caller that
	// no longer reads must not outlive it. nil: no context.
	cancelled <-chan struct{}
	// beforeDecode starts an event's read budget (eventLimiter.next); nil:
	// no budget.
	beforeDecode func()
}

func (w *streamWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch and waits for the receiving goroutine to finish.
func (w *streamWatcher) Stop() {
	w.once.Do(func() {
		close(w.done)
		_ = w.d.Close()
	})
	<-w.exited
}

func (w *streamWatcher) receive() {
	defer close(w.exited)
	defer close(w.result)
	defer w.once.Do(func() { _ = w.d.Close() })
	for {
		if w.beforeDecode != nil {
			w.beforeDecode()
		}
		typ, obj, err := w.d.Decode()
		if err != nil {
			w.reportError(err)
			return
		}
		if !w.send(watch.Event{Type: typ, Object: obj}) {
			return
		}
	}
}

// reportError delivers a decoding failure as an ERROR event, unless the
// stream simply ended or the watcher was stopped (closing the stream makes
// Decode fail, and that is no news to the caller).
func (w *streamWatcher) reportError(err error) {
	if err == io.EOF || errors.Is(err, context.Canceled) {
		return
	}
	select {
	case <-w.done:
		return
	default:
	}
	st := apierrors.NewInternalError(fmt.Errorf("rest: watch stream: %w", err)).Status()
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		st = apierrors.NewRequestEntityTooLargeError("rest: " + tooLarge.Error()).Status()
	}
	w.send(watch.Event{Type: watch.Error, Object: &st})
}

func (w *streamWatcher) send(ev watch.Event) bool {
	select {
	case <-w.done:
		return false
	case <-w.cancelled:
		return false
	case w.result <- ev:
		return true
	}
}

// errorEventStatus turns an ERROR event's object into a *metav1.Status,
// falling back to a generic one for bodies that are not a Status.
func errorEventStatus(raw []byte) *metav1.Status {
	if st, ok := decodeStatus(raw); ok {
		return st
	}
	err := errorFromResponse("", http.StatusInternalServerError, nil, raw).(*apierrors.StatusError)
	return &err.ErrStatus
}
