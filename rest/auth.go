package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// credentials supplies the Authorization header. Implementations are safe
// for concurrent use.
type credentials interface {
	// authorization returns the header value; "" sends none.
	authorization(ctx context.Context) (string, error)
	// refresh is called after the server answered 401 to used; it reports
	// whether a new credential is now available, making one retry worthwhile.
	refresh(ctx context.Context, used string) bool
}

// buildRoundTripper stacks credentials and impersonation on the base
// transport for cfg.
func buildRoundTripper(cfg *Config, base *url.URL) (http.RoundTripper, error) {
	l, err := loadTLS(cfg.TLS)
	if err != nil {
		return nil, err
	}
	exec, err := newExecAuth(cfg.ExecProvider, cfg, l)
	if err != nil {
		return nil, err
	}
	rt, err := baseTransport(cfg, l, exec)
	if err != nil {
		return nil, err
	}
	creds, err := pickCredentials(cfg, exec)
	if err != nil {
		return nil, err
	}
	return &authRoundTripper{next: rt, base: base, creds: creds, imp: cfg.Impersonate.clone()}, nil
}

// clone copies imp's slices and map: NewClient keeps nothing of its Config.
func (imp ImpersonationConfig) clone() ImpersonationConfig {
	imp.Groups = slices.Clone(imp.Groups)
	if imp.Extra != nil {
		extra := make(map[string][]string, len(imp.Extra))
		for k, vs := range imp.Extra {
			extra[k] = slices.Clone(vs)
		}
		imp.Extra = extra
	}
	return imp
}

// pickCredentials chooses one source: a token file, then a token, then an
// exec plugin, then basic auth. nil means no Authorization header.
func pickCredentials(cfg *Config, exec *execAuth) (credentials, error) {
	switch {
	case cfg.BearerTokenFile != "":
		return newTokenFile(cfg.BearerTokenFile, cfg.BearerToken)
	case cfg.BearerToken != "":
		return staticAuth("Bearer " + cfg.BearerToken), nil
	case exec != nil:
		return exec, nil
	case cfg.Username != "" || cfg.Password != "":
		up := base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Password))
		return staticAuth("Basic " + up), nil
	}
	return nil, nil
}

// staticAuth is a fixed Authorization value.
type staticAuth string

func (s staticAuth) authorization(context.Context) (string, error) { return string(s), nil }
func (s staticAuth) refresh(context.Context, string) bool          { return false }

// authRoundTripper adds credentials and Impersonate-* headers to requests
// for the configured origin only (scheme, host and port: the same host over
// http is another origin, and would carry them in cleartext). It retries a
// request once after a 401 when the credential source has a new credential
// (a rotated token file, an expired exec token).
type authRoundTripper struct {
	next  http.RoundTripper
	base  *url.URL    // only its scheme, host and port count
	creds credentials // nil: none
	imp   ImpersonationConfig
}

func (a *authRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if !sameOrigin(req.URL, a.base) {
		return a.next.RoundTrip(req)
	}
	authz, err := a.authorization(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := a.next.RoundTrip(a.prepare(req, authz, req.Body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || a.creds == nil || !replayable(req) {
		return resp, err
	}
	// Keep the 401's body for the caller in case no retry happens, and free
	// its connection first: a new client certificate needs a new one.
	body401, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body401))
	if !a.creds.refresh(req.Context(), authz) {
		return resp, nil
	}
	if authz, err = a.authorization(req); err != nil {
		return nil, err
	}
	body := req.Body // nil or http.NoBody unless GetBody is set (see replayable)
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return a.next.RoundTrip(a.prepare(req, authz, body))
}

func (a *authRoundTripper) authorization(req *http.Request) (string, error) {
	if a.creds == nil || req.Header.Get("Authorization") != "" {
		return "", nil
	}
	return a.creds.authorization(req.Context())
}

// prepare returns a copy of req with the headers set; a RoundTripper must not
// modify the request it is given.
func (a *authRoundTripper) prepare(req *http.Request, authz string, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	setImpersonation(r.Header, a.imp)
	return r
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// setImpersonation sets the Impersonate-* headers of imp.
func setImpersonation(h http.Header, imp ImpersonationConfig) {
	if imp.UserName == "" && imp.UID == "" && len(imp.Groups) == 0 && len(imp.Extra) == 0 {
		return
	}
	if imp.UserName != "" {
		h.Set("Impersonate-User", imp.UserName)
	}
	if imp.UID != "" {
		h.Set("Impersonate-Uid", imp.UID)
	}
	for _, g := range imp.Groups {
		h.Add("Impersonate-Group", g)
	}
	for k, vs := range imp.Extra {
		for _, v := range vs {
			h.Add("Impersonate-Extra-"+headerKeyEscape(k), v)
		}
	}
}

// headerKeyEscape percent-encodes the bytes of an extra key that are not
// allowed in a header name, as the API server expects to unescape them.
func headerKeyEscape(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if isTokenChar(c) && c != '%' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&'*+-.^_`|~", c) >= 0
}
