package rest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds a redirect chain.
const maxRedirects = 10

// RedirectError is a redirect the client refused to follow. The API server
// never sends an API call to another origin, so a redirect elsewhere comes
// from something in between (a proxy, a compromised aggregated API server)
// and following it would hand that place the request's body, such as a
// Secret's data, and return its answer as the API server's. Nor is a
// redirect followed when it would change the method (a 301, 302 or 303 to
// a write turns it into a GET whose answer would pass for the write's).
type RedirectError struct {
	// Method is the method of the redirected request.
	Method string
	// From and To are the redirected URL and the Location it was sent to,
	// with any password redacted.
	From, To string
	// Reason says why the redirect was refused.
	Reason string
}

func (e *RedirectError) Error() string {
	return "rest: redirect to " + e.To + " refused: " + e.Reason
}

// checkRedirect is the http.Client's CheckRedirect: it follows redirects
// within the origin (scheme, host and port) of the first request, keeping
// its method, at most maxRedirects times. An https URL redirected to http
// is another origin, so no credential ever travels in cleartext.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	refuse := func(reason string) error {
		return &RedirectError{Method: first.Method, From: via[len(via)-1].URL.Redacted(), To: req.URL.Redacted(), Reason: reason}
	}
	switch {
	case !sameOrigin(req.URL, first.URL):
		return refuse("another origin than " + origin(first.URL))
	case req.Method != first.Method:
		return refuse("it would be sent again as " + req.Method)
	case len(via) >= maxRedirects:
		return refuse("too many redirects")
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port,
// a missing port being the scheme's default. It allocates nothing: the auth
// round tripper asks for every request.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

// origin returns u's scheme, host and port for messages, lowercased and
// with the default port made explicit: "https://h:443" for "HTTPS://H/x".
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port(u))
}

// port returns u's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
