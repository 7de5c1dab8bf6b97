package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// watcher turns a source into what the reflector applies: complete states
// (a WatchList's initial events, or a list read page by page) and watch
// events, resuming broken watches from the last resourceVersion. It owns
// the backoff: every failure waits a jittered, doubling delay, which a
// watch that delivers something resets. Only the informer's goroutine
// uses it.
type watcher[T Object] struct {
	src   source[T]
	opts  metav1.ListOptions // the informer's selectors
	cfg   *Options
	wl    *watchListSupport
	refl  *reflector[T]
	stats *counters
	bo    backoff
	rv    string // the resourceVersion to resume from
	// served is called when the server answers a request for the state:
	// the kind is served.
	served func()
}

// errKindGone is returned by run when the server answers 404 for the
// resource: its CRD was deleted, or its API is no longer served.
type errKindGone struct{ err error }

func (e *errKindGone) Error() string { return "cache: the resource is not served: " + e.err.Error() }
func (e *errKindGone) Unwrap() error { return e.err }

// run keeps the store in sync until ctx ends or the kind goes away; it
// reports whether it completed a sync.
func (w *watcher[T]) run(ctx context.Context) (synced bool, err error) {
	needSync := true
	var stream watch.Interface
	for ctx.Err() == nil {
		if needSync {
			if stream, err = w.gatedSync(ctx); err != nil {
				if apierrors.IsNotFound(err) {
					return synced, &errKindGone{err}
				}
				w.failed(ctx, err)
				continue
			}
			needSync, synced = false, true
		}
		if stream == nil {
			if stream, err = w.watch(ctx); err != nil {
				stream = nil
				needSync, err = w.watchFailed(ctx, err)
				if err != nil {
					return synced, err
				}
				continue
			}
		}
		needSync, err = w.consume(ctx, stream)
		stream = nil
		if err != nil {
			return synced, err
		}
		if !needSync {
			w.stats.restarts.Add(1)
		}
	}
	return synced, ctx.Err()
}

// failed records err and waits out the backoff.
func (w *watcher[T]) failed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		w.stats.setError(err)
		w.bo.wait(ctx)
	}
}

// watchFailed handles a watch that could not start: relist after 410,
// give up on 404, else back off and resume.
func (w *watcher[T]) watchFailed(ctx context.Context, err error) (relist bool, gone error) {
	switch {
	case apierrors.IsNotFound(err):
		return false, &errKindGone{err}
	case isExpired(err):
		w.failed(ctx, err)
		return true, nil
	}
	w.failed(ctx, err)
	return false, nil
}

// sync reads the complete state: with WatchList, whose stream is returned
// to be read on, or page by page.
func (w *watcher[T]) sync(ctx context.Context) (watch.Interface, error) {
	w.refl.beginSync()
	if !w.cfg.DisableWatchList && !w.wl.refused.Load() {
		s, err := w.watchList(ctx)
		if err == nil || !refusesWatchList(err) {
			w.stats.watchList.Store(err == nil)
			return s, err
		}
		w.wl.refuse(err)
		w.refl.beginSync()
	}
	w.stats.watchList.Store(false)
	return nil, w.list(ctx)
}

// list reads the state page by page; unchanged objects of each page are
// dropped at once, so a relist holds one page beside the store.
func (w *watcher[T]) list(ctx context.Context) error {
	opts := w.opts
	opts.Limit = w.cfg.PageSize
	for {
		pctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
		page, err := w.src.list(pctx, opts)
		cancel()
		if err != nil {
			return err
		}
		w.served()
		for _, obj := range page.items {
			w.refl.syncObject(obj)
		}
		if page.next == "" {
			w.rv = page.rv
			w.refl.endSync(w.rv)
			return nil
		}
		opts.Continue = page.next
	}
}

// errNoInitialEventsEnd means a WatchList stalled before the bookmark that
// ends its initial events: the server ignores sendInitialEvents.
var errNoInitialEventsEnd = errors.New("cache: the WatchList's initial events stalled without the bookmark that ends them")

// watchList starts a WatchList, applies its initial events as a sync and
// returns the stream, which carries changes from there on.
func (w *watcher[T]) watchList(ctx context.Context) (watch.Interface, error) {
	opts := w.opts
	send := true
	opts.SendInitialEvents, opts.ResourceVersionMatch = &send, metav1.ResourceVersionMatchNotOlderThan
	s, err := w.start(ctx, opts)
	if err != nil {
		return nil, err
	}
	w.served()
	idle := time.NewTimer(w.cfg.WatchListIdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-idle.C:
			s.Stop()
			return nil, errNoInitialEventsEnd
		case ev, ok := <-s.ResultChan():
			if !ok {
				s.Stop()
				return nil, fmt.Errorf("cache: the WatchList ended before its initial events did")
			}
			idle.Reset(w.cfg.WatchListIdleTimeout)
			done, err := w.initialEvent(ev)
			if err != nil {
				s.Stop()
				return nil, err
			}
			if done {
				return s, nil
			}
		}
	}
}

// initialEvent applies one event of a WatchList before it is synced; done
// is true for the bookmark that ends the initial events.
func (w *watcher[T]) initialEvent(ev watch.Event) (done bool, err error) {
	if ev.Type == watch.Error {
		return false, statusError(ev.Object)
	}
	obj, err := w.src.object(ev.Object)
	if err != nil {
		w.stats.setError(err)
		return false, nil
	}
	switch ev.Type {
	case watch.Bookmark:
		if annotationOf(obj, metav1.InitialEventsAnnotationKey) != "true" {
			return false, nil
		}
		w.rv = versionOf(obj)
		w.refl.endSync(w.rv)
		return true, nil
	case watch.Added:
		w.refl.syncObject(obj)
		return false, nil
	}
	// A server that ignores sendInitialEvents may interleave changes.
	w.refl.event(ev.Type, obj)
	return false, nil
}

// watch resumes watching from the last resourceVersion.
func (w *watcher[T]) watch(ctx context.Context) (watch.Interface, error) {
	opts := w.opts
	opts.ResourceVersion = w.rv
	return w.start(ctx, opts)
}

// start sends a watch request with bookmarks and a random server-side
// timeout; the stream's context ends a little after that timeout, so even a
// silently dead connection cannot hold the informer longer.
func (w *watcher[T]) start(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	timeout := w.cfg.WatchTimeout + rand.N(w.cfg.WatchTimeout)
	secs := int64(timeout / time.Second)
	opts.TimeoutSeconds, opts.AllowWatchBookmarks = &secs, true
	sctx, cancel := context.WithTimeout(ctx, timeout+w.cfg.WatchIdleTimeout)
	iw, err := w.src.watch(sctx, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	return &stream{Interface: iw, cancel: cancel}, nil
}

// stream is a watch whose context ends with it.
type stream struct {
	watch.Interface
	cancel context.CancelFunc
}

func (s *stream) Stop() {
	s.Interface.Stop()
	s.cancel()
}

// consume applies a watch's events until it ends. relist is true when it
// ended in 410 Gone; err is set when the kind went away or ctx ended.
func (w *watcher[T]) consume(ctx context.Context, s watch.Interface) (relist bool, err error) {
	defer s.Stop()
	idle := time.NewTimer(w.cfg.WatchIdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-idle.C:
			return false, nil
		case ev, ok := <-s.ResultChan():
			if !ok {
				return false, nil
			}
			idle.Reset(w.cfg.WatchIdleTimeout)
			if ev.Type == watch.Error {
				return w.watchFailed(ctx, statusError(ev.Object))
			}
			w.bo.reset()
			obj, err := w.src.object(ev.Object)
			if err != nil {
				w.stats.setError(err)
				continue
			}
			if rv := versionOf(obj); rv != "" {
				w.rv = rv
				w.stats.setRV(rv)
			}
			if ev.Type != watch.Bookmark {
				w.refl.event(ev.Type, obj)
			}
		}
	}
}

// statusError turns an ERROR event's object into the error it reports.
func statusError(obj any) error {
	if st, ok := obj.(*metav1.Status); ok {
		return &apierrors.StatusError{ErrStatus: *st}
	}
	return fmt.Errorf("cache: watch ERROR event with a %T", obj)
}

func isExpired(err error) bool {
	return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || statusCode(err) == http.StatusGone
}

func statusCode(err error) int32 {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Code
	}
	return 0
}

// refusesWatchList reports an answer by which a server says it does not
// serve WatchList: kube-apiserver with the WatchList gate off, and servers
// older than 1.27, refuse sendInitialEvents (or resourceVersionMatch on a
// watch) as invalid (422); other servers may answer 400 naming either
// parameter; some ignore them and never end the initial events. Another
// 400 (a selector the resource does not support) is the request's fault,
// and the list that follows gets it too.
func refusesWatchList(err error) bool {
	if apierrors.IsBadRequest(err) {
		msg := err.Error()
		return strings.Contains(msg, "sendInitialEvents") || strings.Contains(msg, "resourceVersionMatch")
	}
	return apierrors.IsInvalid(err) || errors.Is(err, errNoInitialEventsEnd)
}
