package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"
)

// defaultMaxRetries is what Config.MaxRetries 0 means; client-go users rely on 10.
const defaultMaxRetries = 10

// Client sends requests to one API server. Build one with NewClient; the zero
// value is not usable. A Client is safe for concurrent use, and copies made by
// WithoutRateLimit share its connections.
type Client struct {
	base       *url.URL
	http       *http.Client
	limiter    *rate.Limiter // nil: no client-side limit
	userAgent  string
	maxRetries int // < 0: no retries
	timeout    time.Duration
	onRetry    func(RetryInfo)
	warnings   WarningHandler
	limits     Limits // with defaults filled in
}

// NewClient builds a Client from cfg. cfg is read, never modified or kept, so
// later changes to it do not affect the Client. Certificate and token files
// are read here, so a missing file is reported now, naming the field.
func NewClient(cfg *Config) (*Client, error) {
	if cfg == nil {
		return nil, fmt.Errorf("rest: nil Config")
	}
	base, err := parseHost(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("rest: Config.Host: %w", err)
	}
	rt, err := buildRoundTripper(cfg, base)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:       base,
		http:       &http.Client{Transport: rt, CheckRedirect: checkRedirect},
		limiter:    newLimiter(cfg.QPS, cfg.Burst),
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		timeout:    cfg.Timeout,
		onRetry:    cfg.OnRetry,
		warnings:   cfg.WarningHandler,
		limits:     cfg.Limits.withDefaults(),
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent()
	}
	if c.maxRetries == 0 {
		c.maxRetries = defaultMaxRetries
	}
	if c.warnings == nil {
		c.warnings = defaultWarningHandler
	}
	return c, nil
}

// parseHost turns Config.Host into the base URL; a bare "host:port" is
// https. Its errors say what is wrong with host, for callers to prefix.
func parseHost(host string) (*url.URL, error) {
	if host == "" {
		return nil, fmt.Errorf("empty")
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", host)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", host)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// WithoutRateLimit returns a copy of c that shares its connections but has no
// client-side rate limiter (discovery uses it so that the user's QPS does not
// throttle it).
func (c *Client) WithoutRateLimit() *Client {
	cp := *c
	cp.limiter = nil
	return &cp
}

// Limits returns the limits c reads within, defaults filled in: what
// Config.Limits asked for, a negative field meaning no limit.
func (c *Client) Limits() Limits { return c.limits }

// Host returns the API server's base URL as configured, e.g. "https://10.0.0.1:6443".
func (c *Client) Host() string { return c.base.String() }

// CloseIdleConnections closes idle connections of c's transport (and of every
// Client sharing it).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Verb starts a request with the given HTTP method.
func (c *Client) Verb(method string) *Request {
	return &Request{c: c, method: method, params: url.Values{}, header: http.Header{}}
}

// Get starts a GET request.
func (c *Client) Get() *Request { return c.Verb(http.MethodGet) }

// Post starts a POST request.
func (c *Client) Post() *Request { return c.Verb(http.MethodPost) }

// Put starts a PUT request.
func (c *Client) Put() *Request { return c.Verb(http.MethodPut) }

// Delete starts a DELETE request.
func (c *Client) Delete() *Request { return c.Verb(http.MethodDelete) }

// Patch starts a PATCH request whose body has the Content-Type pt.
func (c *Client) Patch(pt types.PatchType) *Request {
	return c.Verb(http.MethodPatch).SetHeader("Content-Type", string(pt))
}
