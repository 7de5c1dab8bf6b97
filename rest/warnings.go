package rest

import (
	"container/list"
	"log/slog"
	"net/http"
	"sync"
	"unicode/utf8"

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

// maxWarningText bounds the text WarningLogger and DedupWarnings pass on; the
// API server keeps a response's warnings within 4 KiB, so only something
// else sends longer ones.
const maxWarningText = 4 << 10

// dedupWarningsSize is how many distinct texts a DedupWarnings remembers.
const dedupWarningsSize = 1000

// WarningLogger logs each warning with log/slog at Warn level, its text cut
// to 4 KiB.
type WarningLogger struct{}

// HandleWarningHeader logs text; code and agent add nothing a reader needs.
func (WarningLogger) HandleWarningHeader(code int, agent, text string) {
	slog.Warn("kubernetes API warning", "text", truncateWarning(text))
}

// DedupWarnings passes each distinct warning text to its handler only once,
// remembering the 1,000 texts seen most recently (so a stream of distinct
// warnings from a hostile server costs bounded memory; a text forgotten
// and seen again is passed on again). Texts are cut to 4 KiB first. Build
// it with NewDedupWarnings; it is safe for concurrent use.
type DedupWarnings struct {
	next WarningHandler
	mu   sync.Mutex               // guards seen and lru
	seen map[string]*list.Element // texts remembered, by text
	lru  *list.List               // of string, most recently seen first
}

// NewDedupWarnings returns a handler that passes each distinct text to next
// once. A nil next means WarningLogger.
func NewDedupWarnings(next WarningHandler) *DedupWarnings {
	if next == nil {
		next = WarningLogger{}
	}
	return &DedupWarnings{next: next, seen: map[string]*list.Element{}, lru: list.New()}
}

// HandleWarningHeader passes the warning on unless its text was seen
// recently.
func (d *DedupWarnings) HandleWarningHeader(code int, agent, text string) {
	text = truncateWarning(text)
	if d.remember(text) {
		d.next.HandleWarningHeader(code, agent, text)
	}
}

// remember marks text as seen now and reports whether it is new.
func (d *DedupWarnings) remember(text string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.seen[text]; ok {
		d.lru.MoveToFront(e)
		return false
	}
	d.seen[text] = d.lru.PushFront(text)
	if d.lru.Len() > dedupWarningsSize {
		delete(d.seen, d.lru.Remove(d.lru.Back()).(string))
	}
	return true
}

// truncateWarning cuts text to maxWarningText bytes on a rune boundary,
// marking the cut.
func truncateWarning(text string) string {
	if len(text) <= maxWarningText {
		return text
	}
	cut := maxWarningText
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "… (truncated)"
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
