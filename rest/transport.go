package rest

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// transportKey identifies a distinct TLS and proxy setting. Data is hashed
// so that the cache does not keep key material as map keys.
type transportKey struct {
	insecure   bool
	serverName string
	ca, cert   [sha256.Size]byte
	key        [sha256.Size]byte
	proxyURL   string
}

var (
	transportsMu sync.Mutex                           // guards transports
	transports   = map[transportKey]*http.Transport{} // shared by all clients with the same key
)

// baseTransport returns the transport for cfg: the caller's Config.Transport,
// a shared one per distinct TLS/proxy setting, or (for a custom Proxy func or
// exec-provided certificates, which cannot be compared) a new one.
func baseTransport(cfg *Config, l loadedTLS, exec *execAuth) (http.RoundTripper, error) {
	if cfg.Transport != nil {
		return cfg.Transport, nil
	}
	proxy, err := proxyFunc(cfg)
	if err != nil {
		return nil, err
	}
	getCert := exec.clientCertificate()
	shareable := cfg.Proxy == nil && getCert == nil
	key := transportKey{insecure: l.insecure, serverName: l.serverName, proxyURL: cfg.ProxyURL,
		ca: sha256.Sum256(l.ca), cert: sha256.Sum256(l.cert), key: sha256.Sum256(l.key)}
	if shareable {
		transportsMu.Lock()
		t := transports[key]
		transportsMu.Unlock()
		if t != nil {
			return t, nil
		}
	}
	tc, err := l.tlsConfig(getCert)
	if err != nil {
		return nil, err
	}
	t := newTransport(tc, proxy)
	if shareable {
		transportsMu.Lock()
		if old := transports[key]; old != nil {
			t = old // another client built one meanwhile
		} else {
			transports[key] = t
		}
		transportsMu.Unlock()
	}
	exec.setTransport(t)
	return t, nil
}

// proxyFunc resolves the proxy: ProxyURL, else Proxy, else the environment.
func proxyFunc(cfg *Config) (func(*http.Request) (*url.URL, error), error) {
	if cfg.ProxyURL != "" {
		u, err := url.Parse(cfg.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("rest: Config.ProxyURL: %w", err)
		}
		return http.ProxyURL(u), nil
	}
	if cfg.Proxy != nil {
		return cfg.Proxy, nil
	}
	return http.ProxyFromEnvironment, nil
}

// newTransport is http.DefaultTransport's shape with our TLS and proxy, and
// more idle connections per host: one API server is all a client talks to.
func newTransport(tc *tls.Config, proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   25,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
