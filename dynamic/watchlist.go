package dynamic

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// initialEventsEnd is the annotation of the bookmark that ends the initial
// events of a WatchList.
const initialEventsEnd = metav1.InitialEventsAnnotationKey // "k8s.io/initial-events-end"

// WatchListStream is a watch that starts with the current state of the
// collection as ADDED events, then carries changes, as one consistent
// stream: a list and a watch without the gap between them. Synced is closed
// when the initial state has been delivered. It is a watch.Interface; the
// bookmark that ends the initial events is delivered too. Safe for
// concurrent use.
type WatchListStream struct {
	w      watch.Interface
	result chan watch.Event
	synced chan struct{}
	done   chan struct{} // closed when run returns
	stop   chan struct{} // closed by Stop
	once   sync.Once

	mu sync.Mutex // guards rv
	rv string     // the resourceVersion of the end of the initial events
}

// WatchList starts a WatchList stream: a watch with sendInitialEvents=true,
// resourceVersionMatch=NotOlderThan and bookmarks, from opts.ResourceVersion
// ("" means the most recent state). The server must support WatchList
// (Kubernetes 1.27+ with the feature enabled, on by default since 1.32);
// otherwise it refuses the request and the error is returned. Stop or
// cancelling ctx ends it.
func (r *resource) WatchList(ctx context.Context, opts metav1.ListOptions) (*WatchListStream, error) {
	send := true
	opts.SendInitialEvents = &send
	opts.ResourceVersionMatch = metav1.ResourceVersionMatchNotOlderThan
	opts.AllowWatchBookmarks = true
	w, err := r.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &WatchListStream{w: w, result: make(chan watch.Event), synced: make(chan struct{}),
		done: make(chan struct{}), stop: make(chan struct{})}
	go s.run(ctx)
	return s, nil
}

// ResultChan returns the events; it is closed when the watch ends.
func (s *WatchListStream) ResultChan() <-chan watch.Event { return s.result }

// Synced is closed once every object of the initial state has been delivered.
func (s *WatchListStream) Synced() <-chan struct{} { return s.synced }

// SyncedResourceVersion returns the resourceVersion of the initial state,
// "" until Synced is closed. A later watch can resume from it.
func (s *WatchListStream) SyncedResourceVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rv
}

// Stop ends the stream and waits until its goroutine has finished.
func (s *WatchListStream) Stop() {
	s.once.Do(func() { close(s.stop) })
	s.w.Stop()
	<-s.done
}

// run forwards the watch's events; a send blocked on a caller that no
// longer reads gives up when Stop is called or ctx ends.
func (s *WatchListStream) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.result)
	synced := false
	for ev := range s.w.ResultChan() {
		if !synced && ev.Type == watch.Bookmark && endsInitialEvents(ev) {
			synced = true
			m, _ := meta.Accessor(ev.Object)
			s.mu.Lock()
			s.rv = m.GetResourceVersion()
			s.mu.Unlock()
			close(s.synced)
		}
		select {
		case s.result <- ev:
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

func endsInitialEvents(ev watch.Event) bool {
	m, err := meta.Accessor(ev.Object)
	return err == nil && m.GetAnnotations()[initialEventsEnd] == "true"
}

var _ watch.Interface = (*WatchListStream)(nil)
