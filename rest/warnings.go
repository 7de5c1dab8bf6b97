package rest

import (
	"log/slog"
	"net/http"
	"sync"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// WarningHandler receives the Warning headers of API responses (deprecated
// APIs, ignored fields, ...). Implementations must be safe for concurrent use.
type WarningHandler interface {
	// HandleWarningHeader is called once per warning in a response: code is
	// the warn-code (299 for Kubernetes), agent the warn-agent ("-" when
	// none), text the message.
	HandleWarningHeader(code int, agent string, text string)
}

// WarningHandlerFunc adapts a function to WarningHandler.
type WarningHandlerFunc func(code int, agent string, text string)

// HandleWarningHeader calls f.
func (f WarningHandlerFunc) HandleWarningHeader(code int, agent, text string) { f(code, agent, text) }

// NoWarnings drops every warning.
type NoWarnings struct{}

// HandleWarningHeader does nothing.
func (NoWarnings) HandleWarningHeader(int, string, string) {}

// WarningLogger logs each warning with log/slog at Warn level.
type WarningLogger struct{}

// HandleWarningHeader logs text; code and agent add nothing a reader needs.
func (WarningLogger) HandleWarningHeader(code int, agent, text string) {
	slog.Warn("kubernetes API warning", "text", text)
}

// DedupWarnings passes each distinct warning text to its handler only once.
// Build it with NewDedupWarnings; it is safe for concurrent use.
type DedupWarnings struct {
	next WarningHandler
	mu   sync.Mutex          // guards seen
	seen map[string]struct{} // texts already passed on
}

// NewDedupWarnings returns a handler that passes each distinct text to next
// once. A nil next means WarningLogger.
func NewDedupWarnings(next WarningHandler) *DedupWarnings {
	if next == nil {
		next = WarningLogger{}
	}
	return &DedupWarnings{next: next, seen: map[string]struct{}{}}
}

// HandleWarningHeader passes the warning on unless its text was seen before.
func (d *DedupWarnings) HandleWarningHeader(code int, agent, text string) {
	d.mu.Lock()
	_, dup := d.seen[text]
	d.seen[text] = struct{}{}
	d.mu.Unlock()
	if !dup {
		d.next.HandleWarningHeader(code, agent, text)
	}
}

// defaultWarningHandler is shared by all clients so that a warning repeated
// by every request of a program is logged once per process.
var defaultWarningHandler WarningHandler = NewDedupWarnings(WarningLogger{})

// handleWarnings passes the response's well-formed Warning headers on;
// malformed ones are dropped, as they carry nothing we could show reliably.
func (c *Client) handleWarnings(h http.Header) {
	values := h.Values("Warning")
	if len(values) == 0 {
		return
	}
	warnings, _ := utilnet.ParseWarningHeaders(values)
	for _, w := range warnings {
		c.warnings.HandleWarningHeader(w.Code, w.Agent, w.Text)
	}
}
