package rest

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// endless writes chunk until the client goes away, then closes gone.
func endless(prefix string, chunk []byte, gone chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		if _, err := w.Write([]byte(prefix)); err != nil {
			return
		}
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

func TestDoStopsAtTheLimit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		build func(c *Client) *Request
		limit int64
	}{
		{"get", func(c *Client) *Request { return c.Get().AbsPath("/api/v1").Resource("pods").Name("p") }, 1 << 20},
		{"status", func(c *Client) *Request {
			return c.Get().AbsPath("/api/v1").Resource("pods").Name("p").SubResource("status")
		}, 1 << 20},
		{"create", func(c *Client) *Request { return c.Post().AbsPath("/api/v1").Resource("pods").Body("{}") }, 1 << 20},
		{"list", func(c *Client) *Request { return c.Get().AbsPath("/api/v1").Resource("pods") }, 4 << 20},
		{"log", func(c *Client) *Request {
			return c.Get().AbsPath("/api/v1").Resource("pods").Name("p").SubResource("log")
		}, 4 << 20},
		{"path", func(c *Client) *Request { return c.Get().AbsPath("/apis") }, 4 << 20},
		{"own limit", func(c *Client) *Request { return c.Get().AbsPath("/apis").ResponseLimit(2 << 20) }, 2 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gone := make(chan struct{})
			srv := newTestServer(t, endless(`{"items":[`, bytes.Repeat([]byte(`{"a":1},`), 4096), gone))
			c := newTestClient(t, srv, func(c *Config) { c.Limits = Limits{Object: 1 << 20, List: 4 << 20} })
			err := tt.build(c).Do(context.Background()).Error()
			var tl *TooLargeError
			require.ErrorAs(t, err, &tl)
			assert.Equal(t, tt.limit, tl.Limit)
			var re *RequestError
			assert.ErrorAs(t, err, &re, "a typed request error")
			select {
			case <-gone: // the connection was closed, not drained
			case <-time.After(10 * time.Second):
				t.Fatal("the server is still writing: the connection was not closed")
			}
		})
	}
}

func TestDoLimitCountsDecompressedBytes(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 8<<20))
	require.NoError(t, zw.Close())
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "want gzip", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	})
	c := newTestClient(t, srv, func(c *Config) { c.Limits.Object = 1 << 20 })
	err := c.Get().AbsPath("/api/v1").Resource("pods").Name("p").Do(context.Background()).Error()
	var tl *TooLargeError
	require.ErrorAs(t, err, &tl, "%d compressed bytes inflate past the limit", bomb.Len())
}

func TestDoRefusesAnAnnouncedLargeBody(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3000000")
		_, _ = w.Write([]byte("{"))
	})
	c := newTestClient(t, srv, func(c *Config) { c.Limits.List = 1 << 20 })
	var tl *TooLargeError
	require.ErrorAs(t, c.Get().AbsPath("/x").Do(context.Background()).Error(), &tl)
}

func TestDoWithinAndWithoutLimits(t *testing.T) {
	body := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"` + strings.Repeat("p", 1000) + `"}}`
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
	exact := newTestClient(t, srv, func(c *Config) { c.Limits.Object = int64(len(body)) })
	off := newTestClient(t, srv, func(c *Config) { c.Limits.Object = -1 })
	for _, c := range []*Client{exact, off} {
		raw, err := c.Get().AbsPath("/api/v1").Resource("pods").Name("p").Do(context.Background()).Raw()
		require.NoError(t, err)
		assert.Equal(t, body, string(raw))
	}
	assert.Equal(t, Limits{Object: 64 << 20, List: 1 << 30, Discovery: 256 << 20}, newTestClient(t, srv).Limits())
}

func TestWatchEventLimit(t *testing.T) {
	ev := func(name string) string {
		return `{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"` + name + `"}}}` + "\n"
	}
	gone := make(chan struct{})
	// Two events of about 600 KiB, each within the limit of 1 MiB but not
	// both at once, then one that never ends.
	big := strings.Repeat("x", 600<<10)
	srv := newTestServer(t, endless(ev("a")+ev(big)+ev(big)+`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"`,
		bytes.Repeat([]byte("y"), 64<<10), gone))
	c := newTestClient(t, srv, func(c *Config) { c.Limits.Object = 1 << 20 })
	w, err := c.Get().AbsPath("/api/v1/pods").Watch(context.Background())
	require.NoError(t, err)
	defer w.Stop()
	var got []watch.EventType
	var last watch.Event
	for e := range w.ResultChan() {
		got, last = append(got, e.Type), e
	}
	assert.Equal(t, []watch.EventType{watch.Added, watch.Added, watch.Added, watch.Error}, got)
	st, ok := last.Object.(*metav1.Status)
	require.True(t, ok)
	assert.True(t, apierrors.IsRequestEntityTooLargeError(apierrors.FromObject(st)), st.Message)
	assert.Contains(t, st.Message, "watch event is larger than the limit of 1 MiB")
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still writing: the watch connection was not closed")
	}
}
