package rest

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"
	"weak"
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

// transports holds the transport of each distinct setting weakly: clients
// with equal settings share one while any of them is alive, and a setting no
// client uses any more (a cluster removed from a fleet, each with its own CA)
// leaves nothing behind once its connections have gone idle and closed.
var (
	transportsMu sync.Mutex // guards transports
	transports   = map[transportKey]weak.Pointer[http.Transport]{}
)

// sharedTransport returns the live transport for key, or nil.
func sharedTransport(key transportKey) *http.Transport {
	transportsMu.Lock()
	defer transportsMu.Unlock()
	return transports[key].Value()
}

// shareTransport publishes t for key and returns the transport clients with
// key must use: t, or one another client published meanwhile.
func shareTransport(key transportKey, t *http.Transport) *http.Transport {
	transportsMu.Lock()
	defer transportsMu.Unlock()
	if old := transports[key].Value(); old != nil {
		return old
	}
	transports[key] = weak.Make(t)
	runtime.AddCleanup(t, forgetTransport, key)
	return t
}

// forgetTransport drops key's entry once its transport is collected, unless
// a newer transport took the key meanwhile.
func forgetTransport(key transportKey) {
	transportsMu.Lock()
	defer transportsMu.Unlock()
	if wp, ok := transports[key]; ok && wp.Value() == nil {
		delete(transports, key)
	}
}

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
		if t := sharedTransport(key); t != nil {
			return t, nil
		}
	}
	tc, err := l.tlsConfig(getCert)
	if err != nil {
		return nil, err
	}
	t := newTransport(tc, proxy)
	if shareable {
		t = shareTransport(key, t)
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
