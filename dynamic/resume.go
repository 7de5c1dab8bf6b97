package dynamic

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/kdyn/kdyn/rest"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// Gone is the event type a ResumingWatcher delivers, with the server's
// *metav1.Status, when it cannot resume: the resource version it would
// resume from is too old (410 Gone / Expired). The watcher then stops; the
// caller must relist and watch again from the list's resourceVersion.
const Gone watch.EventType = "GONE"

// Reconnect delays of a ResumingWatcher; the delay doubles while reconnects
// fail and resets when an event arrives.
const (
	minReconnectDelay = 100 * time.Millisecond
	maxReconnectDelay = 10 * time.Second
)

// ResumingWatcher is a watch.Interface that survives the end of its stream:
// API servers close watches after a timeout and connections break. It
// reconnects from the resourceVersion of the last event it saw, with
// bookmarks requested so that resourceVersion stays fresh even when nothing
// changes. Bookmarks reach the caller only if the caller asked for them.
//
// A 410 from the server is delivered as a Gone event and ends the watch. An
// error that retrying cannot fix (403, 404, ...) is delivered as a
// watch.Error event and ends it too; server errors (5xx, 429) and broken
// streams are retried. Safe for concurrent use.
type ResumingWatcher struct {
	r         *resource
	opts      metav1.ListOptions
	bookmarks bool // deliver bookmarks to the caller

	result chan watch.Event
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns

	mu sync.Mutex // guards rv
	rv string     // the resourceVersion to resume from
}

// ResumingWatch starts a ResumingWatcher at opts.ResourceVersion.
func (r *resource) ResumingWatch(ctx context.Context, opts metav1.ListOptions) *ResumingWatcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &ResumingWatcher{
		r: r, opts: opts, bookmarks: opts.AllowWatchBookmarks, rv: opts.ResourceVersion,
		result: make(chan watch.Event), cancel: cancel, done: make(chan struct{}),
	}
	go w.run(ctx)
	return w
}

// ResultChan returns the events; it is closed when the watch ends.
func (w *ResumingWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch and waits until its goroutine has finished.
func (w *ResumingWatcher) Stop() {
	w.cancel()
	<-w.done
}

// ResourceVersion returns the resourceVersion the watch would resume from.
func (w *ResumingWatcher) ResourceVersion() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rv
}

func (w *ResumingWatcher) run(ctx context.Context) {
	defer close(w.done)
	defer close(w.result)
	delay := minReconnectDelay
	for ctx.Err() == nil {
		opts := w.opts
		opts.ResourceVersion, opts.AllowWatchBookmarks = w.ResourceVersion(), true
		if opts.ResourceVersion != w.opts.ResourceVersion {
			// Resuming: the initial events, if asked for, were delivered.
			opts.SendInitialEvents, opts.ResourceVersionMatch = nil, ""
		}
		iw, err := w.r.Watch(ctx, opts)
		if err == nil {
			var progressed, stop bool
			progressed, stop = w.forward(ctx, iw)
			iw.Stop()
			if stop {
				return
			}
			if progressed {
				delay = minReconnectDelay
			}
		} else if stop := w.failed(ctx, watchErrorStatus(err)); stop {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, maxReconnectDelay)
	}
}

// forward delivers one stream's events. It reports whether any arrived and
// whether the watch must end.
func (w *ResumingWatcher) forward(ctx context.Context, iw watch.Interface) (progressed, stop bool) {
	for ev := range iw.ResultChan() {
		if ev.Type == watch.Error {
			st, _ := ev.Object.(*metav1.Status)
			return progressed, w.failed(ctx, st)
		}
		progressed = true
		if m, err := meta.Accessor(ev.Object); err == nil && m.GetResourceVersion() != "" {
			w.mu.Lock()
			w.rv = m.GetResourceVersion()
			w.mu.Unlock()
		}
		if ev.Type == watch.Bookmark && !w.bookmarks {
			continue
		}
		if !w.send(ctx, ev) {
			return progressed, true
		}
	}
	return progressed, ctx.Err() != nil
}

// failed handles an error status and reports whether the watch must end.
func (w *ResumingWatcher) failed(ctx context.Context, st *metav1.Status) bool {
	if ctx.Err() != nil {
		return true
	}
	if st == nil {
		return false // no status: the connection broke
	}
	switch {
	case st.Code == http.StatusGone || st.Reason == metav1.StatusReasonExpired || st.Reason == metav1.StatusReasonGone:
		w.send(ctx, watch.Event{Type: Gone, Object: st})
		return true
	case st.Code >= 500 || st.Code == http.StatusTooManyRequests || st.Code == 0:
		return false
	}
	w.send(ctx, watch.Event{Type: watch.Error, Object: st})
	return true
}

func (w *ResumingWatcher) send(ctx context.Context, ev watch.Event) bool {
	select {
	case <-ctx.Done():
		return false
	case w.result <- ev:
		return true
	}
}

// watchErrorStatus returns the Status of an API error, nil for a request
// that got no response (worth retrying), and an internal-error Status for
// anything else, such as an invalid request, which retrying cannot fix.
func watchErrorStatus(err error) *metav1.Status {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		return &st
	}
	var re *rest.RequestError
	if errors.As(err, &re) {
		return nil
	}
	st := apierrors.NewInternalError(err).Status()
	st.Code = http.StatusBadRequest // not a server error: do not retry
	return &st
}

var _ watch.Interface = (*ResumingWatcher)(nil)
