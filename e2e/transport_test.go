package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/rest"
)

// seen is one request as the counting transport saw it.
type seen struct {
	Method, Path, Query, Accept, IfNoneMatch string
	Status                                   int
	ContentType                              string
}

func (s seen) String() string {
	return fmt.Sprintf("%s %s?%s -> %d", s.Method, s.Path, s.Query, s.Status)
}

// counter is an http.RoundTripper that records every request kdyn sends.
// With forceLegacy it rewrites the Accept header of discovery roots to
// plain JSON, as a server without aggregated discovery would see it.
type counter struct {
	base        http.RoundTripper
	forceLegacy bool

	mu   sync.Mutex // guards reqs
	reqs []seen
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.forceLegacy && (req.URL.Path == "/api" || req.URL.Path == "/apis") {
		req = req.Clone(req.Context())
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.base.RoundTrip(req)
	s := seen{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Accept: req.Header.Get("Accept"), IfNoneMatch: req.Header.Get("If-None-Match")}
	if resp != nil {
		s.Status, s.ContentType = resp.StatusCode, resp.Header.Get("Content-Type")
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, s)
	c.mu.Unlock()
	return resp, err
}

// take returns the requests seen since the last take.
func (c *counter) take() []seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reqs
	c.reqs = nil
	return out
}

// snapshot returns the requests seen since the last take, keeping them.
func (c *counter) snapshot() []seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]seen(nil), c.reqs...)
}

func paths(reqs []seen) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.Path
	}
	slices.Sort(out)
	return out
}

// countedConfig loads srv's token kubeconfig through kdyn and routes its
// requests through a counter.
func countedConfig(t *testing.T) (*rest.Config, *counter) {
	t.Helper()
	return countedConfigFor(t, srv)
}

// countedConfigFor is countedConfig for any server. rest.Config.Transport
// replaces the transport built from the TLS settings, so the counter
// carries the server CA itself.
func countedConfigFor(t *testing.T, s *harness.Server) (*rest.Config, *counter) {
	t.Helper()
	cfg, err := rest.LoadKubeconfig(s.TokenKubeconfig, "")
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(s.CAData))
	base := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(base.CloseIdleConnections)
	c := &counter{base: base}
	cfg.Transport = c
	return cfg, c
}
