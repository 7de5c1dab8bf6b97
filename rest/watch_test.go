package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

const (
	evAdded    = `{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}`
	evModified = `{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"2"}}}`
	evDeleted  = `{"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"}}}`
	evBookmark = `{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"4"}}}`
	evExpired  = `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (4)","reason":"Expired","code":410}}`
)

// streamServer writes frames, flushing each, then ends the response.
func streamServer(t *testing.T, frames ...string) *Client {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			http.Error(w, "not a watch", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		for _, f := range frames {
			_, _ = io.WriteString(w, f+"\n")
			w.(http.Flusher).Flush()
		}
	})
	return newTestClient(t, srv)
}

// collect reads events until the channel closes (bounded by a deadline).
func collect(t *testing.T, w watch.Interface) []watch.Event {
	t.Helper()
	var evs []watch.Event
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-deadline:
			t.Fatal("watch did not end")
		}
	}
}

func TestWatchDecodesEvents(t *testing.T) {
	c := streamServer(t, evAdded, evModified, evDeleted, evBookmark, evExpired)
	w, err := c.Get().AbsPath("/api/v1/configmaps").Watch(context.Background())
	require.NoError(t, err)
	defer w.Stop()
	evs := collect(t, w)
	require.Len(t, evs, 5)
	wantTypes := []watch.EventType{watch.Added, watch.Modified, watch.Deleted, watch.Bookmark, watch.Error}
	for i, ev := range evs[:4] {
		assert.Equal(t, wantTypes[i], ev.Type)
		u, ok := ev.Object.(*unstructured.Unstructured)
		require.True(t, ok, "%T", ev.Object)
		assert.Equal(t, "ConfigMap", u.GetKind())
	}
	assert.Equal(t, "3", evs[2].Object.(*unstructured.Unstructured).GetResourceVersion())
	assert.Equal(t, watch.Error, evs[4].Type)
	err = apierrors.FromObject(evs[4].Object)
	var se *apierrors.StatusError
	require.ErrorAs(t, err, &se)
	assert.True(t, apierrors.IsResourceExpired(err), "%v", err)
}

func TestWatchMalformedFrames(t *testing.T) {
	tests := []struct {
		name   string
		frames []string
		want   string
		before int // good events before the error
	}{
		{"bad json", []string{evAdded, `{"type":"ADDED","object":{"kind":}`}, "malformed event", 1},
		{"not an object", []string{`[1,2]`}, "malformed event", 0},
		{"unknown type", []string{`{"type":"EXPLODED","object":{}}`}, `unknown type "EXPLODED"`, 0},
		{"no object", []string{`{"type":"ADDED"}`}, "no object", 0},
		{"object without kind", []string{`{"type":"ADDED","object":{"metadata":{}}}`}, "malformed ADDED event", 0},
		{"truncated", []string{evAdded, `{"type":"ADDED","object":{"a":1`}, "stream ended inside an event", 1},
		{"error event without status", []string{`{"type":"ERROR","object":"boom"}`}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := streamServer(t, tt.frames...)
			w, err := c.Get().Watch(context.Background())
			require.NoError(t, err)
			defer w.Stop()
			evs := collect(t, w)
			require.Len(t, evs, tt.before+1)
			last := evs[len(evs)-1]
			require.Equal(t, watch.Error, last.Type)
			st, ok := last.Object.(*metav1.Status)
			require.True(t, ok, "%T", last.Object)
			assert.Contains(t, st.Message, tt.want)
			assert.Error(t, apierrors.FromObject(last.Object))
		})
	}
}

func TestWatchStopLeavesNothingBehind(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, evAdded+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // hold the stream open until the client goes
	})
	c := newTestClient(t, srv)
	w, err := c.Get().Watch(context.Background())
	require.NoError(t, err)
	ev := <-w.ResultChan()
	assert.Equal(t, watch.Added, ev.Type)
	w.Stop()
	w.Stop() // idempotent
	_, open := <-w.ResultChan()
	assert.False(t, open)
}

func TestWatchEndsWhenContextIsCancelled(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newTestClient(t, srv, func(c *Config) { c.Timeout = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.Get().Watch(ctx)
	require.NoError(t, err, "Config.Timeout does not apply to watches")
	time.Sleep(50 * time.Millisecond)
	cancel()
	assert.Empty(t, collect(t, w), "a cancelled watch ends without an error event")
	w.Stop()
}

func TestWatchHTTPError(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","message":"no","code":403}`)
	})
	c := newTestClient(t, srv)
	_, err := c.Get().Watch(context.Background())
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
}

// fakeDecoder replays events and then blocks until closed.
type fakeDecoder struct {
	events []watch.Event
	closed chan struct{}
}

func (f *fakeDecoder) Decode() (watch.EventType, runtime.Object, error) {
	if len(f.events) > 0 {
		ev := f.events[0]
		f.events = f.events[1:]
		return ev.Type, ev.Object, nil
	}
	<-f.closed
	return "", nil, errors.New("closed")
}

func (f *fakeDecoder) Close() error { close(f.closed); return nil }

func TestNewStreamWatcherWithCustomDecoder(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{"kind": "X"}}
	d := &fakeDecoder{events: []watch.Event{{Type: watch.Added, Object: obj}}, closed: make(chan struct{})}
	w := NewStreamWatcher(d)
	ev := <-w.ResultChan()
	assert.Same(t, obj, ev.Object)
	w.Stop()
	_, open := <-w.ResultChan()
	assert.False(t, open, "closing the decoder is no error to report")
}

func TestJSONEventDecoderCustomDecode(t *testing.T) {
	body := io.NopCloser(strings.NewReader(evAdded + evModified))
	d := NewJSONEventDecoder(body, func(raw []byte) (runtime.Object, error) {
		return &runtime.Unknown{Raw: raw}, nil
	})
	typ, obj, err := d.Decode()
	require.NoError(t, err)
	assert.Equal(t, watch.Added, typ)
	assert.Contains(t, string(obj.(*runtime.Unknown).Raw), `"resourceVersion":"1"`)
	_, _, err = d.Decode()
	require.NoError(t, err)
	_, _, err = d.Decode()
	assert.Equal(t, io.EOF, err)
	require.NoError(t, d.Close())
}

func TestWatchGoroutineEndsOnCancelWithoutAReader(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, evAdded+"\n"+evModified+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newTestClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.Get().Watch(ctx)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // the first event waits for a reader that never comes
	cancel()
	select {
	case <-w.(*streamWatcher).exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the watch goroutine outlived its context")
	}
}
