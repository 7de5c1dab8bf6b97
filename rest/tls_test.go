package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTLSClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	srv := p.tlsServer(t, true)
	dir := t.TempDir()
	caFile := writeFile(t, dir, "ca.crt", p.caPEM)
	certFile := writeFile(t, dir, "client.crt", p.clientCertPEM)
	keyFile := writeFile(t, dir, "client.key", p.clientKeyPEM)

	tests := []struct {
		name    string
		tls     TLSConfig
		wantErr string
	}{
		{"data", TLSConfig{CAData: p.caPEM, CertData: p.clientCertPEM, KeyData: p.clientKeyPEM}, ""},
		{"files", TLSConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}, ""},
		{"data wins over a bad file", TLSConfig{CAData: p.caPEM, CAFile: "/nonexistent", CertData: p.clientCertPEM, KeyData: p.clientKeyPEM}, ""},
		{"unknown CA", TLSConfig{CertData: p.clientCertPEM, KeyData: p.clientKeyPEM}, "certificate"},
		{"no client certificate", TLSConfig{CAData: p.caPEM}, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, srv, func(c *Config) { c.TLS = tt.tls })
			body, err := c.Get().Do(context.Background()).Raw()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "alice", string(body))
		})
	}
}

func TestTLSInsecureAndServerName(t *testing.T) {
	p := newTestPKI(t, "kdyn.test")
	srv := p.tlsServer(t, false)

	c := newTestClient(t, srv, func(c *Config) { c.TLS = TLSConfig{CAData: p.caPEM} })
	err := c.Get().Do(context.Background()).Error()
	require.ErrorContains(t, err, "x509", "the certificate is for kdyn.test, not 127.0.0.1")

	c = newTestClient(t, srv, func(c *Config) { c.TLS = TLSConfig{CAData: p.caPEM, ServerName: "kdyn.test"} })
	require.NoError(t, c.Get().Do(context.Background()).Error())

	c = newTestClient(t, srv, func(c *Config) { c.TLS = TLSConfig{Insecure: true} })
	require.NoError(t, c.Get().Do(context.Background()).Error())
}

func TestTLSConfigErrors(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name string
		tls  TLSConfig
		want string
	}{
		{"missing CA file", TLSConfig{CAFile: "/nonexistent/ca.crt"}, "rest: TLS.CAFile: open /nonexistent/ca.crt"},
		{"missing key file", TLSConfig{CertData: p.clientCertPEM, KeyFile: "/nonexistent/k"}, "rest: TLS.KeyFile: open /nonexistent/k"},
		{"not PEM", TLSConfig{CAData: []byte("junk")}, "no PEM certificate"},
		{"insecure with CA", TLSConfig{Insecure: true, CAData: p.caPEM}, "not allowed"},
		{"cert without key", TLSConfig{CertData: p.clientCertPEM}, "both a certificate and a key"},
		{"mismatched key", TLSConfig{CertData: p.clientCertPEM, KeyData: p.clientCertPEM}, "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(&Config{Host: "https://127.0.0.1:1", TLS: tt.tls})
			require.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "PRIVATE KEY")
		})
	}
}

func transportOf(c *Client) http.RoundTripper {
	return c.http.Transport.(*authRoundTripper).next
}

func TestTransportSharedPerTLSSetting(t *testing.T) {
	p := newTestPKI(t)
	mk := func(cfg Config) *Client {
		c, err := NewClient(&cfg)
		require.NoError(t, err)
		return c
	}
	a := mk(Config{Host: "https://a:1", TLS: TLSConfig{CAData: p.caPEM}, BearerToken: "x"})
	b := mk(Config{Host: "https://b:2", TLS: TLSConfig{CAData: p.caPEM}, BearerToken: "y"})
	assert.Same(t, transportOf(a), transportOf(b), "same TLS, same transport; credentials differ above it")

	other := mk(Config{Host: "https://a:1", TLS: TLSConfig{CAData: p.caPEM, ServerName: "x"}})
	assert.NotSame(t, transportOf(a), transportOf(other))
	proxied := mk(Config{Host: "https://a:1", TLS: TLSConfig{CAData: p.caPEM}, ProxyURL: "http://proxy:3128"})
	assert.NotSame(t, transportOf(a), transportOf(proxied))
	proxied2 := mk(Config{Host: "https://c:1", TLS: TLSConfig{CAData: p.caPEM}, ProxyURL: "http://proxy:3128"})
	assert.Same(t, transportOf(proxied), transportOf(proxied2))
	assert.Same(t, transportOf(a), transportOf(a.WithoutRateLimit()))
}

func TestProxyURL(t *testing.T) {
	// The "proxy" is a plain HTTP server: an http:// target is fetched
	// through it with an absolute URL, which is how we see it was used.
	got := make(chan string, 1)
	proxy := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.String()
		_, _ = w.Write([]byte("{}"))
	})
	c := newTestClient(t, proxy, func(c *Config) {
		c.Host = "http://api.kdyn.invalid:8080"
		c.ProxyURL = proxy.URL
	})
	require.NoError(t, c.Get().AbsPath("/version").Do(context.Background()).Error())
	assert.True(t, strings.HasPrefix(<-got, "http://api.kdyn.invalid:8080/version"))
}
