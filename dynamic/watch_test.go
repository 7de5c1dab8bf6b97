package dynamic

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	"k8s.io/apimachinery/pkg/watch"
)

func podWithRV(name, rv string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "resourceVersion": rv}}}
}

func jsonEvent(typ watch.EventType, obj runtime.Object) string {
	data, err := runtime.Encode(unstructured.UnstructuredJSONScheme, obj)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf(`{"type":%q,"object":%s}`+"\n", typ, data)
}

func TestWatchCBOR(t *testing.T) {
	selfDescribed := []byte{0xd9, 0xd9, 0xf7} // CBOR tag 55799, as the server's encoder writes
	big := podWithRV("a", "2")                // larger than the decoder's first frame buffer
	big.SetAnnotations(map[string]string{"big": strings.Repeat("x", 100<<10)})
	var stream []byte
	for _, ev := range []metav1.WatchEvent{
		{Type: "ADDED", Object: runtime.RawExtension{Raw: cborOf(podWithRV("a", "1"))}},
		{Type: "MODIFIED", Object: runtime.RawExtension{Raw: cborOf(big)}},
		{Type: "ERROR", Object: runtime.RawExtension{Raw: append(selfDescribed, must(direct.Marshal(metav1.Status{
			Status: metav1.StatusFailure, Code: 500, Reason: metav1.StatusReasonInternalError, Message: "boom"}))...)}},
	} {
		stream = append(stream, append(selfDescribed, must(direct.Marshal(ev))...)...)
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "application/cbor", r.Header.Get("Accept"), "the server streams cbor-seq for an Accept of cbor")
		w.Header().Set("Content-Type", "application/cbor-seq")
		_, _ = w.Write(stream)
	}, Options{CBOR: true})
	w, err := c.Resource(pods).Namespace("ns").Watch(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	defer w.Stop()
	var got []string
	for ev := range w.ResultChan() {
		switch o := ev.Object.(type) {
		case *unstructured.Unstructured:
			got = append(got, string(ev.Type)+" "+o.GetName()+"@"+o.GetResourceVersion())
		case *metav1.Status:
			got = append(got, string(ev.Type)+" "+o.Message)
		}
	}
	assert.Equal(t, []string{"ADDED a@1", "MODIFIED a@2", "ERROR boom"}, got)
}

func TestWatchCBORFallback(t *testing.T) {
	var mu sync.Mutex
	var accepts []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accepts = append(accepts, r.Header.Get("Accept"))
		mu.Unlock()
		if r.Header.Get("Accept") != "application/json" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotAcceptable)
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","code":406}`))
			return
		}
		_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "1"))))
	}, Options{CBOR: true})
	w, err := c.Resource(pods).Watch(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	ev := <-w.ResultChan()
	w.Stop()
	assert.Equal(t, watch.Added, ev.Type)
	assert.Equal(t, []string{"application/cbor", "application/json"}, accepts)
}

// TestResumingWatch: the first stream ends after one event, the second
// must resume from its resourceVersion with bookmarks requested, and a 410
// ends the watch with a Gone event.
func TestResumingWatch(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(queries)
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch n {
		case 0:
			_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "5"))))
		case 1:
			_, _ = w.Write([]byte(jsonEvent(watch.Bookmark, podWithRV("", "8"))))
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable) // retried
		default:
			_, _ = w.Write([]byte(`{"type":"ERROR","object":{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}}`))
		}
	}, Options{})
	w := c.Resource(pods).Namespace("ns").ResumingWatch(context.Background(), metav1.ListOptions{ResourceVersion: "1", LabelSelector: "app=x"})
	defer w.Stop()
	var types []watch.EventType
	for ev := range w.ResultChan() {
		types = append(types, ev.Type)
		if ev.Type == Gone {
			assert.Equal(t, int32(410), ev.Object.(*metav1.Status).Code)
		}
	}
	assert.Equal(t, []watch.EventType{watch.Added, Gone}, types, "bookmarks are not delivered unless asked for")
	assert.Equal(t, []string{
		"allowWatchBookmarks=true&labelSelector=app%3Dx&resourceVersion=1&watch=true",
		"allowWatchBookmarks=true&labelSelector=app%3Dx&resourceVersion=5&watch=true",
		"allowWatchBookmarks=true&labelSelector=app%3Dx&resourceVersion=8&watch=true",
		"allowWatchBookmarks=true&labelSelector=app%3Dx&resourceVersion=8&watch=true",
	}, queries)
	assert.Equal(t, "8", w.ResourceVersion())
}

func TestResumingWatchStops(t *testing.T) {
	t.Run("permanent error", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Forbidden","code":403}`))
		}, Options{})
		w := c.Resource(pods).ResumingWatch(context.Background(), metav1.ListOptions{})
		defer w.Stop()
		ev := <-w.ResultChan()
		assert.Equal(t, watch.Error, ev.Type)
		_, open := <-w.ResultChan()
		assert.False(t, open)
	})
	t.Run("gone at start", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Gone","code":410}`))
		}, Options{})
		w := c.Resource(pods).ResumingWatch(context.Background(), metav1.ListOptions{ResourceVersion: "1"})
		defer w.Stop()
		assert.Equal(t, Gone, (<-w.ResultChan()).Type)
	})
	t.Run("stop while streaming", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "5"))))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, Options{})
		w := c.Resource(pods).ResumingWatch(context.Background(), metav1.ListOptions{})
		assert.Equal(t, watch.Added, (<-w.ResultChan()).Type)
		done := make(chan struct{})
		go func() { w.Stop(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Stop did not return")
		}
	})
}

func TestWatchListSynced(t *testing.T) {
	end := podWithRV("", "12")
	end.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, "true", q.Get("sendInitialEvents"))
		assert.Equal(t, "NotOlderThan", q.Get("resourceVersionMatch"))
		assert.Equal(t, "true", q.Get("allowWatchBookmarks"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "10")) + jsonEvent(watch.Bookmark, end) +
			jsonEvent(watch.Modified, podWithRV("a", "13"))))
	}, Options{})
	s, err := c.Resource(pods).WatchList(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	defer s.Stop()
	assert.Equal(t, watch.Added, (<-s.ResultChan()).Type)
	assert.Equal(t, watch.Bookmark, (<-s.ResultChan()).Type)
	<-s.Synced()
	assert.Equal(t, "12", s.SyncedResourceVersion())
	assert.Equal(t, watch.Modified, (<-s.ResultChan()).Type)
}

func TestResumingWatchAfterInitialEvents(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	end := podWithRV("", "7")
	end.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(queries)
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 0 {
			_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "6")) + jsonEvent(watch.Bookmark, end)))
			return
		}
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410}`))
	}, Options{})
	yes := true
	w := c.Resource(pods).ResumingWatch(context.Background(), metav1.ListOptions{SendInitialEvents: &yes,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true})
	defer w.Stop()
	var types []watch.EventType
	for ev := range w.ResultChan() {
		types = append(types, ev.Type)
	}
	assert.Equal(t, []watch.EventType{watch.Added, watch.Bookmark, Gone}, types)
	assert.Equal(t, []string{
		"allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&watch=true",
		"allowWatchBookmarks=true&resourceVersion=7&watch=true",
	}, queries)
}

func TestWatchListEndsOnCancelWithoutAReader(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(jsonEvent(watch.Added, podWithRV("a", "10")) + jsonEvent(watch.Added, podWithRV("b", "11"))))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.Resource(pods).WatchList(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // an event waits for a reader that never comes
	cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the WatchList goroutine outlived its context")
	}
}
