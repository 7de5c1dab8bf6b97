package discovery

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kdyn/kdyn/rest"
)

// openAPIServer serves /openapi/v2 (protobuf or JSON by Accept) and
// /openapi/v3 with one document whose hash can be changed, with ETags.
type openAPIServer struct {
	t        *testing.T
	mu       sync.Mutex     // guards the fields below
	hash     string         // of the apis/apps/v1 v3 document
	requests map[string]int // by path and query
	bodies   int
}

func (s *openAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.RequestURI()]++
	var body []byte
	var contentType string
	switch r.URL.Path {
	case "/openapi/v2":
		doc := &openapi_v2.Document{Swagger: "2.0", Info: &openapi_v2.Info{Title: "Kubernetes", Version: "v1.37.2"}}
		if strings.Contains(r.Header.Get("Accept"), "protobuf") {
			b, err := proto.Marshal(doc)
			if err != nil {
				s.t.Error(err)
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			body, contentType = b, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
		} else {
			body, contentType = []byte(`{"swagger":"2.0","info":{"title":"Kubernetes","version":"v1.37.2"},"paths":{}}`), "application/json"
		}
	case "/openapi/v3":
		body = fmt.Appendf(nil, `{"paths":{"apis/apps/v1":{"serverRelativeURL":"/openapi/v3/apis/apps/v1?hash=%s"}}}`, s.hash)
		contentType = "application/json"
	case "/openapi/v3/apis/apps/v1":
		if got := r.URL.Query().Get("hash"); got != s.hash {
			s.t.Errorf("asked for hash %q, serving %q", got, s.hash)
			http.Error(w, "wrong hash", http.StatusNotFound)
			return
		}
		body = fmt.Appendf(nil, `{"openapi":"3.0.0","info":{"title":"apps/v1 %s","version":"v1"},"paths":{}}`, s.hash)
		contentType = "application/json"
	default:
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	s.bodies += len(body)
	_, _ = w.Write(body)
}

// take returns and resets the request counts and body bytes.
func (s *openAPIServer) take() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, b := s.requests, s.bodies
	s.requests, s.bodies = map[string]int{}, 0
	return r, b
}

func newOpenAPIServer(t *testing.T) (*Client, *openAPIServer) {
	s := &openAPIServer{t: t, hash: "AAA", requests: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return New(rc, Options{}), s
}

func TestOpenAPIV2(t *testing.T) {
	ctx := context.Background()
	c, srv := newOpenAPIServer(t)

	doc, err := c.OpenAPIV2(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Kubernetes", doc.GetInfo().GetTitle())
	reqs, _ := srv.take()
	assert.Equal(t, map[string]int{"/openapi/v2": 1}, reqs)

	_, err = c.OpenAPIV2(ctx)
	require.NoError(t, err)
	reqs, _ = srv.take()
	assert.Empty(t, reqs, "warm")

	expire(c)
	again, err := c.OpenAPIV2(ctx)
	require.NoError(t, err)
	assert.Same(t, doc, again, "a 304 keeps the decoded document")
	reqs, bodies := srv.take()
	assert.Equal(t, map[string]int{"/openapi/v2": 1}, reqs)
	assert.Zero(t, bodies)
}

func TestOpenAPIV2JSON(t *testing.T) {
	doc, err := decodeOpenAPIV2("application/json", []byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`))
	require.NoError(t, err)
	assert.Equal(t, "t", doc.GetInfo().GetTitle())
	_, err = decodeOpenAPIV2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", []byte{0xff, 0xff, 0xff})
	assert.Error(t, err)
}

func TestOpenAPIV3(t *testing.T) {
	ctx := context.Background()
	c, srv := newOpenAPIServer(t)

	doc, err := c.OpenAPIV3(ctx, "apis/apps/v1")
	require.NoError(t, err)
	assert.Equal(t, "apps/v1 AAA", doc.GetInfo().GetTitle())
	reqs, _ := srv.take()
	assert.Equal(t, map[string]int{"/openapi/v3": 1, "/openapi/v3/apis/apps/v1?hash=AAA": 1}, reqs)

	expire(c)
	same, err := c.OpenAPIV3(ctx, "apis/apps/v1")
	require.NoError(t, err)
	assert.Same(t, doc, same)
	reqs, bodies := srv.take()
	assert.Equal(t, map[string]int{"/openapi/v3": 1}, reqs, "the index is revalidated, the document is not")
	assert.Zero(t, bodies)

	srv.mu.Lock()
	srv.hash = "BBB"
	srv.mu.Unlock()
	expire(c)
	changed, err := c.OpenAPIV3(ctx, "apis/apps/v1")
	require.NoError(t, err)
	assert.Equal(t, "apps/v1 BBB", changed.GetInfo().GetTitle())
	reqs, _ = srv.take()
	assert.Equal(t, map[string]int{"/openapi/v3": 1, "/openapi/v3/apis/apps/v1?hash=BBB": 1}, reqs)
	_, stillCached := c.fresh.Get(openAPIV3DocKey + "/openapi/v3/apis/apps/v1?hash=AAA")
	assert.False(t, stillCached, "the document of the old URL is forgotten")

	_, err = c.OpenAPIV3(ctx, "apis/nope/v1")
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
}
