package reliability

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// faultKind is one fault the chaos handler injects. The fixture's own fault
// options cannot express a 0 s Retry-After, a reset after the store applied
// a write, slow bodies, or a watch cut inside an event, so the handler
// builds them in front of the fixture server.
type faultKind int

const (
	faultNone        faultKind = iota
	fault429                   // 429 with Retry-After: 0, before the store sees the request
	fault500                   // 500 with a Status body and no Retry-After
	fault503                   // 503 with Retry-After: 0
	faultResetBefore           // connection closed before the store sees the request
	faultResetAfter            // the store answers (a write is applied), then the connection is closed unanswered
	faultTruncate              // the store answers, half the body is sent, then the connection is closed
	faultSlow                  // the body is sent in pieces with pauses
	faultCutWatch              // a watch stream is cut at a random byte, inside an event
	numFaults
)

var faultNames = [numFaults]string{"none", "429 Retry-After", "500", "503 Retry-After", "reset before",
	"reset after", "truncated body", "slow body", "watch cut mid-event"}

func (k faultKind) String() string { return faultNames[k] }

// streamFaults apply to watches; bufferedFaults need the whole response.
var (
	streamFaults   = []faultKind{fault429, fault500, fault503, faultResetBefore, faultCutWatch}
	bufferedFaults = []faultKind{fault429, fault500, fault503, faultResetBefore, faultResetAfter, faultTruncate, faultSlow}
)

// chaos injects a fault into a share of the requests it passes to next, and
// keeps a ledger of the writes next applied.
type chaos struct {
	next http.Handler
	rate atomic.Uint64 // math.Float64bits of the fault rate; 0 disables faults

	requests atomic.Int64
	// resumes counts watches that start from a resourceVersion: a
	// resuming watcher reconnecting after its stream ended.
	resumes atomic.Int64
	faults  [numFaults]atomic.Int64
	writes  ledger
}

func newChaos(next http.Handler) *chaos { return &chaos{next: next} }

// setRate sets the share of requests that get a fault, 0 to 1.
func (c *chaos) setRate(r float64) { c.rate.Store(uint64(r * 1e6)) }

func (c *chaos) pick(watching bool) faultKind {
	if rand.Float64()*1e6 >= float64(c.rate.Load()) {
		return faultNone
	}
	if watching {
		return streamFaults[rand.IntN(len(streamFaults))]
	}
	return bufferedFaults[rand.IntN(len(bufferedFaults))]
}

// injected returns the number of faults injected, by kind and in all.
func (c *chaos) injected() (map[string]int64, int64) {
	out := map[string]int64{}
	var total int64
	for k := fault429; k < numFaults; k++ {
		n := c.faults[k].Load()
		out[k.String()] = n
		total += n
	}
	return out, total
}

func (c *chaos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	watching := r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1"
	if watching && r.URL.Query().Get("resourceVersion") != "" {
		c.resumes.Add(1)
	}
	k := c.pick(watching)
	c.faults[k].Add(1)
	switch k {
	case fault429:
		w.Header().Set("Retry-After", "0")
		writeStatus(w, http.StatusTooManyRequests)
		return
	case fault500:
		writeStatus(w, http.StatusInternalServerError)
		return
	case fault503:
		w.Header().Set("Retry-After", "0")
		writeStatus(w, http.StatusServiceUnavailable)
		return
	case faultResetBefore:
		reset(w)
		return
	case faultCutWatch:
		c.cutWatch(w, r)
		return
	}
	if watching || k == faultNone && !isWrite(r.Method) {
		c.next.ServeHTTP(w, r)
		return
	}
	op := c.writes.opOf(r)
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	c.writes.answered(op, rec.Code)
	replay(w, rec, k)
}

// replay sends what the store answered, through fault k.
func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder, k faultKind) {
	if k == faultResetAfter {
		reset(w)
		return
	}
	for key, vs := range rec.Header() {
		w.Header()[key] = vs
	}
	body := rec.Body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	switch k {
	case faultTruncate:
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		reset(w)
	case faultSlow:
		const pieces = 4
		step := len(body)/pieces + 1
		for i := 0; i < len(body); i += step {
			_, _ = w.Write(body[i:min(i+step, len(body))])
			_ = http.NewResponseController(w).Flush()
			time.Sleep(time.Millisecond)
		}
	default:
		_, _ = w.Write(body)
	}
}

// cutWatch serves a watch that is cut after a random number of bytes,
// usually inside an event.
func (c *chaos) cutWatch(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	cw := &cutWriter{w: w, left: 1 + rand.IntN(4096), cancel: cancel}
	c.next.ServeHTTP(cw, r.WithContext(ctx))
}

// cutWriter passes left bytes, then closes the connection and ends the
// handler's context.
type cutWriter struct {
	w      http.ResponseWriter
	cancel context.CancelFunc

	mu   sync.Mutex // guards left and cut
	left int
	cut  bool
}

var errCut = errors.New("reliability: watch cut")

func (c *cutWriter) Header() http.Header { return c.w.Header() }

func (c *cutWriter) WriteHeader(code int) { c.w.WriteHeader(code) }

func (c *cutWriter) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut {
		return 0, errCut
	}
	if len(b) <= c.left {
		c.left -= len(b)
		return c.w.Write(b)
	}
	_, _ = c.w.Write(b[:c.left])
	_ = http.NewResponseController(c.w).Flush()
	reset(c.w)
	c.cut = true
	c.cancel()
	return 0, errCut
}

func (c *cutWriter) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cut {
		_ = http.NewResponseController(c.w).Flush()
	}
}

// reset closes the client's connection without another byte.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeStatus(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"reliability: injected `+
		strconv.Itoa(code)+`","code":`+strconv.Itoa(code)+`}`)
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// opLabel is the annotation by which each write names its operation, so
// that the server side can tell a write sent twice.
const opLabel = "reliability.kdyn.io/op"

var opPattern = regexp.MustCompile(`"reliability\.kdyn\.io/op":"([^"]+)"`)

// ledger counts, per write operation, the answers of the store: a write the
// store applied (2xx) and then received again is one sent twice.
type ledger struct {
	mu      sync.Mutex     // guards the maps
	applied map[string]int // op → 2xx answers
	resent  map[string]int // op → requests that reached the store after it applied op
	unnamed int            // writes without an op
}

// opOf names the write r carries: its op annotation, or a DELETE's path
// (each object is deleted once).
func (l *ledger) opOf(r *http.Request) string {
	if r.Method == http.MethodDelete {
		return "delete " + r.URL.Path
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	m := opPattern.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func (l *ledger) answered(op string, code int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.applied == nil {
		l.applied, l.resent = map[string]int{}, map[string]int{}
	}
	if op == "" {
		l.unnamed++
		return
	}
	if l.applied[op] > 0 {
		l.resent[op]++
	}
	if code >= 200 && code < 300 {
		l.applied[op]++
	}
}

// summary returns the writes applied, the ops applied more than once and
// the ops resent after being applied.
func (l *ledger) summary() (applied int, twice, resent []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for op, n := range l.applied {
		applied += n
		if n > 1 {
			twice = append(twice, op)
		}
	}
	for op := range l.resent {
		resent = append(resent, op)
	}
	return applied, twice, resent
}
