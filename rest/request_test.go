package rest

import (
	"context"
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
	"k8s.io/apimachinery/pkg/types"
)

func TestRequestURL(t *testing.T) {
	c, err := NewClient(&Config{Host: "https://example.com:6443/prefix"})
	require.NoError(t, err)
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{"core list", c.Get().AbsPath("/api", "v1").Namespace("ns").Resource("pods"), "https://example.com:6443/prefix/api/v1/namespaces/ns/pods"},
		{"cluster scoped", c.Get().AbsPath("/apis", "apps", "v1").Namespace("").Resource("deployments"), "https://example.com:6443/prefix/apis/apps/v1/deployments"},
		{"subresource", c.Put().AbsPath("/apis/apps/v1").Namespace("d").Resource("deployments").Name("web").SubResource("scale"), "https://example.com:6443/prefix/apis/apps/v1/namespaces/d/deployments/web/scale"},
		{"namespace object", c.Get().AbsPath("/api/v1").Resource("namespaces").Name("kube-system"), "https://example.com:6443/prefix/api/v1/namespaces/kube-system"},
		{"params", c.Get().AbsPath("/api").Param("b", "2").Param("a", "1 x"), "https://example.com:6443/prefix/api?a=1+x&b=2"},
		{"trailing slash", c.Get().AbsPath("/openapi/v2/"), "https://example.com:6443/prefix/openapi/v2/"},
		{"root", c.Get(), "https://example.com:6443/prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.req.URL().String())
		})
	}
}

func TestRequestRejectsBadSegments(t *testing.T) {
	c, err := NewClient(&Config{Host: "http://127.0.0.1:1"})
	require.NoError(t, err)
	for _, r := range []*Request{
		c.Get().Name(""), c.Get().Name("a/b"), c.Get().Namespace(".."), c.Get().Resource("x%2f"), c.Get().SubResource("a/b"),
	} {
		err := r.Do(context.Background()).Error()
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "rest: "), err.Error())
	}
}

func TestVersionedParams(t *testing.T) {
	c, err := NewClient(&Config{Host: "http://127.0.0.1:1"})
	require.NoError(t, err)
	limit := int64(5)
	u := c.Get().AbsPath("/api/v1/pods").
		VersionedParams(&metav1.ListOptions{LabelSelector: "app=web", Limit: limit, ResourceVersion: "10"}, metav1.ParameterCodec).URL()
	q := u.Query()
	assert.Equal(t, "app=web", q.Get("labelSelector"))
	assert.Equal(t, "5", q.Get("limit"))
	assert.Equal(t, "10", q.Get("resourceVersion"))
}

func TestDoAndResult(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/default/configmaps/cm" {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"abc"`)
		_, _ = io.WriteString(w, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"data":{"n":"1"}}`)
	})
	c := newTestClient(t, srv)
	res := c.Get().AbsPath("/api/v1").Namespace("default").Resource("configmaps").Name("cm").Do(context.Background())
	require.NoError(t, res.Error())
	assert.Equal(t, http.StatusOK, res.StatusCode())
	assert.Equal(t, `"abc"`, res.Header().Get("ETag"))
	assert.Equal(t, "application/json", res.ContentType())
	var u unstructured.Unstructured
	require.NoError(t, res.Into(&u))
	assert.Equal(t, "cm", u.GetName())
	raw, err := res.Raw()
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"ConfigMap"`)
}

func TestRequestSendsBodyAndHeaders(t *testing.T) {
	type seen struct{ method, ct, ua, accept, body string }
	got := make(chan seen, 1)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get("Accept"), string(b)}
		_, _ = io.WriteString(w, `{}`)
	})
	c := newTestClient(t, srv)
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}}
	tests := []struct {
		name string
		req  *Request
		want seen
	}{
		{"object", c.Post().Body(obj), seen{"POST", "application/json", DefaultUserAgent(), "application/json", `{"apiVersion":"v1","kind":"ConfigMap"}`}},
		{"reader", c.Put().Body(strings.NewReader("abc")), seen{"PUT", "application/json", DefaultUserAgent(), "application/json", "abc"}},
		{"patch", c.Patch(types.MergePatchType).Body([]byte(`{"a":1}`)), seen{"PATCH", "application/merge-patch+json", DefaultUserAgent(), "application/json", `{"a":1}`}},
		{"header", c.Delete().SetHeader("Accept", "application/yaml").SetHeader("User-Agent", "me"), seen{"DELETE", "", "me", "application/yaml", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.req.Do(context.Background()).Error())
			assert.Equal(t, tt.want, <-got)
		})
	}
}

func TestNewClientHostErrors(t *testing.T) {
	for host, want := range map[string]string{
		"":            "rest: Config.Host: empty",
		"ftp://x":     "scheme must be http or https",
		"https://":    "has no host",
		"http://a b/": "invalid character",
	} {
		_, err := NewClient(&Config{Host: host})
		assert.ErrorContains(t, err, want, host)
	}
	c, err := NewClient(&Config{Host: "example.com:6443"})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com:6443", c.Host(), "a bare host:port is https")
	_, err = NewClient(nil)
	assert.ErrorContains(t, err, "nil Config")
}

func TestBodyUnsupportedType(t *testing.T) {
	c, err := NewClient(&Config{Host: "http://127.0.0.1:1"})
	require.NoError(t, err)
	err = c.Post().Body(42).Do(context.Background()).Error()
	require.ErrorContains(t, err, "rest: unsupported body type int")
}

func TestUserAgentFormat(t *testing.T) {
	assert.Regexp(t, `^kdyn/\S+ \(\w+/\w+\)$`, DefaultUserAgent())
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newTestClient(t, srv)
	err := c.Get().Timeout(50 * time.Millisecond).Do(context.Background()).Error()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, apierrors.IsNotFound(err))

	c = newTestClient(t, srv, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	err = c.Get().Do(context.Background()).Error()
	require.ErrorIs(t, err, context.DeadlineExceeded, "Config.Timeout applies")
}
