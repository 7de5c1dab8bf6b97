package rest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// headerEcho answers each request with nothing and sends its headers on got.
func headerEcho(t *testing.T, got chan<- http.Header) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		_, _ = w.Write([]byte("{}"))
	}
}

func TestAuthHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := newTestServer(t, headerEcho(t, got))
	tests := []struct {
		name  string
		cfg   func(*Config)
		check func(t *testing.T, h http.Header)
	}{
		{"bearer", func(c *Config) { c.BearerToken = "tok" }, func(t *testing.T, h http.Header) {
			assert.Equal(t, "Bearer tok", h.Get("Authorization"))
		}},
		{"basic", func(c *Config) { c.Username, c.Password = "u", "p" }, func(t *testing.T, h http.Header) {
			assert.Equal(t, "Basic dTpw", h.Get("Authorization"))
		}},
		{"token wins over basic", func(c *Config) { c.BearerToken, c.Username, c.Password = "tok", "u", "p" }, func(t *testing.T, h http.Header) {
			assert.Equal(t, "Bearer tok", h.Get("Authorization"))
		}},
		{"none", func(c *Config) {}, func(t *testing.T, h http.Header) {
			assert.Empty(t, h.Get("Authorization"))
			assert.Empty(t, h.Values("Impersonate-User"))
		}},
		{"impersonation", func(c *Config) {
			c.Impersonate = ImpersonationConfig{UserName: "bob", UID: "42", Groups: []string{"g1", "g2"},
				Extra: map[string][]string{"scopes": {"a", "b"}, "example.com/x y": {"v"}}}
		}, func(t *testing.T, h http.Header) {
			assert.Equal(t, "bob", h.Get("Impersonate-User"))
			assert.Equal(t, "42", h.Get("Impersonate-Uid"))
			assert.Equal(t, []string{"g1", "g2"}, h.Values("Impersonate-Group"))
			assert.Equal(t, []string{"a", "b"}, h.Values("Impersonate-Extra-Scopes"))
			assert.Equal(t, []string{"v"}, h.Values("Impersonate-Extra-Example.com%2Fx%20y"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, srv, tt.cfg)
			require.NoError(t, c.Get().Do(context.Background()).Error())
			tt.check(t, <-got)
		})
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	got := make(chan http.Header, 2)
	other := newTestServer(t, headerEcho(t, got))
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	})
	c := newTestClient(t, srv, func(c *Config) {
		c.BearerToken = "secret"
		c.Impersonate.UserName = "bob"
	})
	err := c.Get().AbsPath("/start").Do(context.Background()).Error()
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, other.URL+"/elsewhere", re.To)
	assert.Equal(t, "Bearer secret", (<-got).Get("Authorization"))
	assert.Empty(t, got, "the other host was not contacted")
}

// TestCredentialsOnlyForTheConfiguredOrigin sends requests for other
// origins through the auth round tripper itself: only the configured
// scheme, host and port get credentials, a default port matching its
// explicit form.
func TestCredentialsOnlyForTheConfiguredOrigin(t *testing.T) {
	got := make(chan http.Header, 1)
	echo := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got <- r.Header.Clone()
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	rt, err := buildRoundTripper(&Config{Host: "https://api.example:443", BearerToken: "secret",
		Impersonate: ImpersonationConfig{UserName: "bob"}, Transport: echo}, &url.URL{Scheme: "https", Host: "api.example:443"})
	require.NoError(t, err)
	for target, want := range map[string]bool{
		"https://api.example/x":     true,
		"https://API.example:443/x": true,
		"http://api.example:443/x":  false,
		"http://api.example/x":      false,
		"https://api.example:444/x": false,
		"https://other.example/x":   false,
	} {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		require.NoError(t, err)
		_, err = rt.RoundTrip(req)
		require.NoError(t, err)
		h := <-got
		assert.Equal(t, want, h.Get("Authorization") != "", target)
		assert.Equal(t, want, h.Get("Impersonate-User") != "", target)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTokenFileRotation(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := newTestServer(t, headerEcho(t, got))
	path := writeFile(t, t.TempDir(), "token", []byte("first\n"))
	c := newTestClient(t, srv, func(c *Config) { c.BearerTokenFile = path; c.BearerToken = "ignored" })

	require.NoError(t, c.Get().Do(context.Background()).Error())
	assert.Equal(t, "Bearer first", (<-got).Get("Authorization"))

	require.NoError(t, os.WriteFile(path, []byte("second-token"), 0o600))
	require.NoError(t, c.Get().Do(context.Background()).Error())
	assert.Equal(t, "Bearer second-token", (<-got).Get("Authorization"))
}

func TestTokenFileRereadOn401(t *testing.T) {
	// The rotated file keeps its size and time, so only the 401 reveals it.
	var seen []string
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Bearer new1" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("{}"))
	})
	path := writeFile(t, t.TempDir(), "token", []byte("old1"))
	c := newTestClient(t, srv, func(c *Config) { c.BearerTokenFile = path })
	assert.True(t, apierrors.IsUnauthorized(c.Get().Do(context.Background()).Error()))

	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("new1"), 0o600))
	require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	require.NoError(t, c.Post().Body("{}").Do(context.Background()).Error())
	assert.Equal(t, []string{"Bearer old1", "Bearer old1", "Bearer new1"}, seen)
}

func TestTokenFileErrors(t *testing.T) {
	_, err := NewClient(&Config{Host: "https://x:1", BearerTokenFile: "/nonexistent/token"})
	require.ErrorContains(t, err, "rest: BearerTokenFile: stat /nonexistent/token")

	empty := writeFile(t, t.TempDir(), "token", nil)
	_, err = NewClient(&Config{Host: "https://x:1", BearerTokenFile: empty})
	require.ErrorContains(t, err, "is empty")
}

func TestTokenFileKeepsLastGoodToken(t *testing.T) {
	path := writeFile(t, t.TempDir(), "token", []byte("good"))
	tf, err := newTokenFile(path, "")
	require.NoError(t, err)
	require.NoError(t, os.Remove(path)) // mid-rotation: the file is briefly gone
	got, err := tf.authorization(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer good", got)
	require.NoError(t, os.WriteFile(path, []byte("better"), 0o600))
	require.NoError(t, os.Chtimes(path, time.Now().Add(time.Minute), time.Now().Add(time.Minute)))
	got, err = tf.authorization(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer better", got)
}

func TestTokenFileRereadOn401AfterRedirect(t *testing.T) {
	// A redirected GET carries no GetBody: the retry must not need one.
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/start":
			http.Redirect(w, r, "/end", http.StatusFound)
		case r.Header.Get("Authorization") != "Bearer new1":
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		default:
			_, _ = w.Write([]byte("{}"))
		}
	})
	path := writeFile(t, t.TempDir(), "token", []byte("old1"))
	c := newTestClient(t, srv, func(c *Config) { c.BearerTokenFile = path })
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("new1"), 0o600))
	require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	require.NotPanics(t, func() {
		require.NoError(t, c.Get().AbsPath("/start").Do(context.Background()).Error())
	})
}

func TestClientKeepsNoReferenceToConfig(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := newTestServer(t, headerEcho(t, got))
	cfg := &Config{Host: srv.URL, WarningHandler: NoWarnings{}, Impersonate: ImpersonationConfig{
		UserName: "bob", Groups: []string{"g1"}, Extra: map[string][]string{"scopes": {"a"}}}}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	cfg.Impersonate.Groups[0] = "changed"
	cfg.Impersonate.Extra["scopes"][0] = "changed"
	cfg.Impersonate.Extra["more"] = []string{"x"}
	require.NoError(t, c.Get().Do(context.Background()).Error())
	h := <-got
	assert.Equal(t, []string{"g1"}, h.Values("Impersonate-Group"))
	assert.Equal(t, []string{"a"}, h.Values("Impersonate-Extra-Scopes"))
	assert.Empty(t, h.Values("Impersonate-Extra-More"))
}
