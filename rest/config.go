package rest

import (
	"net/http"
	"net/url"
	"time"
)

// Config holds what a Client needs to reach and authenticate to one API server.
// The zero value is not usable: Host is required. A Config is read, never
// modified, by NewClient, so one Config may be shared by several clients.
//
// Secrets (BearerToken, Password, key material, exec credentials) never appear
// in the output of fmt's %v, %+v or %#v of a Config; see String.
type Config struct {
	// Host is the API server's base URL, "https://host:port" (a path prefix is kept).
	// A bare "host:port" is taken as https.
	Host string

	// Namespace is the default namespace of the kubeconfig context this Config
	// came from; "" when the context sets none. The client does not apply it on
	// its own: callers pass it where they want it.
	Namespace string

	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string
	// BearerTokenFile, if set, is read for the token and read again when the file
	// changes (projected service-account tokens rotate); it wins over BearerToken.
	BearerTokenFile string

	// Username and Password are sent as HTTP basic auth when no token is set.
	Username string
	Password string

	// Impersonate sets the Impersonate-* headers; the zero value impersonates no one.
	Impersonate ImpersonationConfig

	// ExecProvider runs a client.authentication.k8s.io credential plugin for a
	// token or client certificate. Nil means no plugin.
	ExecProvider *ExecConfig

	// TLS configures server verification and client certificates.
	TLS TLSConfig

	// ProxyURL, if set, is the proxy for every request (a kubeconfig's
	// proxy-url: http, https or socks5). It wins over Proxy.
	ProxyURL string
	// Proxy returns the proxy for a request. Nil means http.ProxyFromEnvironment.
	// Clients with a Proxy func do not share their transport with others,
	// since functions cannot be compared; prefer ProxyURL.
	Proxy func(*http.Request) (*url.URL, error)

	// UserAgent overrides the default "kdyn/<version> (<os>/<arch>)".
	UserAgent string

	// QPS and Burst configure the client-side token-bucket rate limiter.
	// QPS 0 (the default) turns client-side limiting off: the API server's
	// priority and fairness is the real guard. Burst 0 with QPS > 0 means 1.
	QPS   float32
	Burst int

	// Timeout bounds each request, retries included (Request.Timeout overrides
	// it). 0 means no timeout beyond ctx. Watches are not bound by it.
	Timeout time.Duration

	// MaxRetries bounds retries of responses that carry Retry-After (429 and 5xx)
	// and of idempotent requests that hit a connection reset. 0 means the
	// default of 10; a negative value turns retries off. A Retry-After longer
	// than MaxRetryAfter is not waited for: the response's error is returned.
	MaxRetries int

	// Limits bound what the client reads into memory from the server: one
	// object or watch event, a list, a discovery document. The zero value
	// means the defaults (64 MiB, 1 GiB, 256 MiB).
	Limits Limits

	// OnRetry, if set, is called before each retry's wait (for metrics and
	// logs). Requests run concurrently, so it must be safe for concurrent use.
	OnRetry func(RetryInfo)

	// WarningHandler receives the server's Warning headers. Nil means the
	// default handler: each distinct warning logged once.
	WarningHandler WarningHandler

	// Transport, if set, is used as the base round tripper instead of one built
	// from TLS and Proxy (auth, impersonation and User-Agent still wrap it).
	Transport http.RoundTripper
}

// ImpersonationConfig names the identity to act as.
type ImpersonationConfig struct {
	UserName string
	UID      string
	Groups   []string
	Extra    map[string][]string
}

// TLSConfig holds server verification and client certificate settings. File
// fields are read when the client is built; Data fields win over File fields.
type TLSConfig struct {
	// Insecure skips verification of the server's certificate. Only a
	// kubeconfig's explicit insecure-skip-tls-verify sets it.
	Insecure bool
	// ServerName overrides the name checked against the server certificate.
	ServerName string

	CAFile string
	CAData []byte

	CertFile string
	CertData []byte
	KeyFile  string
	KeyData  []byte
}
