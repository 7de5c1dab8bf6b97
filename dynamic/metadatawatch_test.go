package dynamic

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// watchEventOf is one frame of a protobuf watch stream: a WatchEvent
// without the envelope, its object with one.
func watchEventOf(t testing.TB, typ string, obj runtime.Object) []byte {
	t.Helper()
	ev := metav1.WatchEvent{Type: typ, Object: runtime.RawExtension{Raw: protobufOf(t, obj)}}
	data, err := ev.Marshal()
	require.NoError(t, err)
	return data
}

// protobufFrames prefixes each frame with its big-endian length.
func protobufFrames(t testing.TB, frames ...[]byte) []byte {
	t.Helper()
	var out []byte
	for _, f := range frames {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

// streamingClient answers every watch with body, then ends the stream.
func streamingClient(t *testing.T, contentType string, body []byte) *Client {
	return newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}, Options{})
}

func events(t *testing.T, w watch.Interface) []watch.Event {
	t.Helper()
	defer w.Stop()
	var out []watch.Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-timeout:
			t.Fatal("the watch did not end")
		}
	}
}

// TestMetadataWatchStreams decodes the watch streams kube-apiserver sends
// for the metadata Accept header, protobuf and JSON, and the whole objects
// of servers that do not transform them.
func TestMetadataWatchStreams(t *testing.T) {
	ctx := context.Background()
	pod := testPod("p1")
	partial := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}, ObjectMeta: pod.ObjectMeta}
	bookmark := &metav1.PartialObjectMetadata{TypeMeta: partial.TypeMeta, ObjectMeta: metav1.ObjectMeta{ResourceVersion: "12"}}
	gone := apierrors.NewResourceExpired("too old resource version: 1 (5)").Status()
	gone.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}

	protobufStream := protobufFrames(t,
		watchEventOf(t, "ADDED", partial), watchEventOf(t, "MODIFIED", &pod),
		watchEventOf(t, "BOOKMARK", bookmark), watchEventOf(t, "ERROR", &gone))
	jsonStream := `{"type":"ADDED","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"p1","namespace":"default","labels":{"app":"web"}}}}
{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","namespace":"default","labels":{"app":"web"}},"spec":{"nodeName":"n"}}}
{"type":"BOOKMARK","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"12"}}}
{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}
`
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		wantMeta          metav1.ObjectMeta
	}{
		{"protobuf", protobufCT + ";stream=watch", protobufStream, pod.ObjectMeta},
		{"json", "application/json", []byte(jsonStream), metav1.ObjectMeta{Name: "p1", Namespace: "default", Labels: map[string]string{"app": "web"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := streamingClient(t, tc.contentType, tc.body).Metadata().Resource(pods).Watch(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			evs := events(t, w)
			require.Len(t, evs, 4)
			assert.Equal(t, watch.Added, evs[0].Type)
			assert.Equal(t, &metav1.PartialObjectMetadata{ObjectMeta: tc.wantMeta}, evs[0].Object)
			assert.Equal(t, watch.Modified, evs[1].Type)
			assert.Equal(t, &metav1.PartialObjectMetadata{ObjectMeta: tc.wantMeta}, evs[1].Object, "a whole object, stripped")
			assert.Equal(t, watch.Bookmark, evs[2].Type)
			assert.Equal(t, "12", evs[2].Object.(*metav1.PartialObjectMetadata).ResourceVersion)
			assert.Equal(t, watch.Error, evs[3].Type)
			assert.True(t, apierrors.IsResourceExpired(apierrors.FromObject(evs[3].Object)), "%v", evs[3].Object)
		})
	}
}

// TestMetadataWatchBrokenStreams: a stream cut inside a frame, a frame
// larger than the 16 MiB limit, a malformed event and an unknown type end
// the watch with an ERROR event naming the cause.
func TestMetadataWatchBrokenStreams(t *testing.T) {
	ctx := context.Background()
	pod := testPod("p1")
	whole := protobufFrames(t, watchEventOf(t, "ADDED", &pod))
	huge := binary.BigEndian.AppendUint32(nil, 64<<20)
	for name, tc := range map[string]struct {
		body []byte
		want string
	}{
		"cut in the length": {whole[:2], "stream ended inside an event"},
		"cut in the frame":  {whole[:len(whole)-5], "stream ended inside an event"},
		"too large":         {append(huge, bytes.Repeat([]byte{0}, 1024)...), "malformed event"},
		"garbage":           {protobufFrames(t, []byte{0xff, 0xff, 0xff}), "malformed"},
		"unknown type":      {protobufFrames(t, watchEventOf(t, "SOMETHING", &pod)), `unknown type "SOMETHING"`},
		"no object":         {protobufFrames(t, must((&metav1.WatchEvent{Type: "ADDED"}).Marshal())), "no object"},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := streamingClient(t, protobufCT+";stream=watch", tc.body).Metadata().Resource(pods).Watch(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			evs := events(t, w)
			require.NotEmpty(t, evs)
			last := evs[len(evs)-1]
			require.Equal(t, watch.Error, last.Type)
			assert.Contains(t, apierrors.FromObject(last.Object).Error(), tc.want)
		})
	}

	// An empty stream ends the watch without an event.
	w, err := streamingClient(t, protobufCT+";stream=watch", nil).Metadata().Resource(pods).Watch(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, events(t, w))
}

// TestMetadataWatchStop: Stop and a cancelled context end a watch whose
// server sends nothing, with no goroutine left (TestMain checks).
func TestMetadataWatchStop(t *testing.T) {
	release := make(chan struct{})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", protobufCT+";stream=watch")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}, Options{})
	defer close(release)
	w, err := c.Metadata().Resource(pods).Watch(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	w.Stop()
	_, open := <-w.ResultChan()
	assert.False(t, open)

	ctx, cancel := context.WithCancel(context.Background())
	w, err = c.Metadata().Resource(pods).Watch(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	cancel()
	select {
	case _, open := <-w.ResultChan():
		assert.False(t, open)
	case <-time.After(10 * time.Second):
		t.Fatal("the watch outlived its context")
	}
	w.Stop()
}
