package rest

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// reply is what the scripted server does for one request.
type reply struct {
	code       int
	retryAfter string
	reset      bool // drop the connection with a TCP reset instead of answering
	eof        bool // close the connection without answering
	cut        bool // answer 200 with half the body it announces, then close
}

// scriptedServer answers the n-th request with script[n] (the last entry
// repeats) and records each request body.
type scriptedServer struct {
	t      *testing.T
	script []reply
	mu     sync.Mutex // guards bodies
	bodies []string
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	rep := s.script[min(len(s.bodies), len(s.script))-1]
	s.mu.Unlock()
	switch {
	case rep.reset || rep.eof:
		hijackAndClose(s.t, w, rep.reset)
	case rep.cut:
		w.Header().Set("Content-Length", "64")
		_, _ = io.WriteString(w, `{"items":[`)
		_ = http.NewResponseController(w).Flush()
		hijackAndClose(s.t, w, false)
	default:
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.code)
		_, _ = io.WriteString(w, "{}")
	}
}

func (s *scriptedServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func hijackAndClose(t *testing.T, w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0) // close with RST
	}
	_ = conn.Close()
}

func TestRetryMatrix(t *testing.T) {
	ok := reply{code: 200}
	tests := []struct {
		name        string
		method      string
		script      []reply
		maxRetries  int
		wantCode    int
		wantErr     bool
		wantSent    int
		wantRetries int
	}{
		{"GET 429 then ok", "GET", []reply{{code: 429, retryAfter: "0"}, {code: 429, retryAfter: "0"}, ok}, 0, 200, false, 3, 2},
		{"GET 503 with Retry-After", "GET", []reply{{code: 503, retryAfter: "0"}, ok}, 0, 200, false, 2, 1},
		{"GET 500 without Retry-After", "GET", []reply{{code: 500}, ok}, 0, 500, true, 1, 0},
		{"GET 404 with Retry-After", "GET", []reply{{code: 404, retryAfter: "0"}, ok}, 0, 404, true, 1, 0},
		{"POST 429 is retried", "POST", []reply{{code: 429, retryAfter: "0"}, ok}, 0, 200, false, 2, 1},
		{"POST 503 is not", "POST", []reply{{code: 503, retryAfter: "0"}, ok}, 0, 503, true, 1, 0},
		{"PUT 500 is not", "PUT", []reply{{code: 500, retryAfter: "0"}, ok}, 0, 500, true, 1, 0},
		{"DELETE 429 is retried", "DELETE", []reply{{code: 429, retryAfter: "0"}, ok}, 0, 200, false, 2, 1},
		{"at most 10 retries", "GET", []reply{{code: 429, retryAfter: "0"}}, 0, 429, true, 11, 10},
		{"MaxRetries 2", "GET", []reply{{code: 429, retryAfter: "0"}}, 2, 429, true, 3, 2},
		{"retries off", "GET", []reply{{code: 429, retryAfter: "0"}}, -1, 429, true, 1, 0},
		{"GET reset", "GET", []reply{{reset: true}, ok}, 0, 200, false, 2, 1},
		{"GET EOF", "GET", []reply{{eof: true}, {eof: true}, ok}, 0, 200, false, 3, 2},
		{"POST reset is not repeated", "POST", []reply{{reset: true}, ok}, 0, 0, true, 1, 0},
		{"POST EOF is not repeated", "POST", []reply{{eof: true}, ok}, 0, 0, true, 1, 0},
		{"GET body cut", "GET", []reply{{cut: true}, {cut: true}, ok}, 0, 200, false, 3, 2},
		{"POST body cut is not repeated", "POST", []reply{{cut: true}, ok}, 0, 0, true, 1, 0},
		{"PUT body cut is not repeated", "PUT", []reply{{cut: true}, ok}, 0, 0, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scriptedServer{t: t, script: tt.script}
			srv := newTestServer(t, s.ServeHTTP)
			var infos []RetryInfo
			c := newTestClient(t, srv, func(c *Config) {
				c.MaxRetries = tt.maxRetries
				c.OnRetry = func(ri RetryInfo) { infos = append(infos, ri) }
			})
			res := c.Verb(tt.method).AbsPath("/api").Body(`{"n":1}`).Do(context.Background())
			assert.Equal(t, tt.wantCode, res.StatusCode())
			if tt.wantErr {
				assert.Error(t, res.Error())
			} else {
				assert.NoError(t, res.Error())
			}
			sent := s.requests()
			assert.Len(t, sent, tt.wantSent)
			for _, b := range sent {
				assert.Equal(t, `{"n":1}`, b, "every attempt carries the whole body")
			}
			require.Len(t, infos, tt.wantRetries)
			for i, ri := range infos {
				assert.Equal(t, i+1, ri.Attempt)
				assert.Equal(t, tt.method, ri.Method)
				assert.Equal(t, srv.URL+"/api", ri.URL)
				assert.True(t, (ri.StatusCode != 0) != (ri.Err != nil), "a retry has a status or an error: %+v", ri)
			}
		})
	}
}

// TestBodyCutIsARequestError checks that a body cut short on the last
// attempt ends as a *RequestError that still says why, and that the retry
// hook saw each cut.
func TestBodyCutIsARequestError(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			s := &scriptedServer{t: t, script: []reply{{cut: true}}}
			srv := newTestServer(t, s.ServeHTTP)
			var infos []RetryInfo
			c := newTestClient(t, srv, func(c *Config) {
				c.MaxRetries = 2
				c.OnRetry = func(ri RetryInfo) { infos = append(infos, ri) }
			})
			res := c.Verb(method).AbsPath("/api").Do(context.Background())
			err := res.Error()
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, method, re.Method)
			assert.Equal(t, srv.URL+"/api", re.URL)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Contains(t, err.Error(), "read body: unexpected EOF")
			assert.Zero(t, res.StatusCode(), "no usable response")
			assert.Empty(t, res.Header())

			wantSent := map[string]int{"GET": 3, "POST": 1}[method]
			assert.Len(t, s.requests(), wantSent)
			require.Len(t, infos, wantSent-1)
			for _, ri := range infos {
				assert.ErrorIs(t, ri.Err, io.ErrUnexpectedEOF)
				assert.Zero(t, ri.StatusCode)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	s := &scriptedServer{t: t, script: []reply{{code: 429, retryAfter: "1"}, {code: 200}}}
	c := newTestClient(t, newTestServer(t, s.ServeHTTP))
	start := time.Now()
	require.NoError(t, c.Get().Do(context.Background()).Error())
	assert.GreaterOrEqual(t, time.Since(start), time.Second)
}

func TestRetryWaitCancelledByContext(t *testing.T) {
	s := &scriptedServer{t: t, script: []reply{{code: 429, retryAfter: "30"}}}
	retrying := make(chan struct{})
	c := newTestClient(t, newTestServer(t, s.ServeHTTP), func(c *Config) {
		c.OnRetry = func(RetryInfo) { close(retrying) }
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-retrying
		cancel()
	}()
	start := time.Now()
	err := c.Get().Do(ctx).Error()
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Len(t, s.requests(), 1)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "GET", re.Method)
}

func TestRetryGivesUpWithLastStatus(t *testing.T) {
	s := &scriptedServer{t: t, script: []reply{{code: 503, retryAfter: "0"}}}
	c := newTestClient(t, newTestServer(t, s.ServeHTTP), func(c *Config) { c.MaxRetries = 1 })
	err := c.Get().Do(context.Background()).Error()
	assert.True(t, apierrors.IsServiceUnavailable(err), "%v", err)
}

func TestRateLimit(t *testing.T) {
	var n atomic.Int32
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	c := newTestClient(t, srv, func(c *Config) { c.QPS, c.Burst = 10, 1 })
	start := time.Now()
	for range 5 {
		require.NoError(t, c.Get().Do(context.Background()).Error())
	}
	assert.GreaterOrEqual(t, time.Since(start), 350*time.Millisecond, "4 waits of 100ms")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Get().Do(ctx).Error()
	require.ErrorIs(t, err, context.Canceled)

	fast := c.WithoutRateLimit()
	start = time.Now()
	for range 5 {
		require.NoError(t, fast.Get().Do(context.Background()).Error())
	}
	assert.Less(t, time.Since(start), 300*time.Millisecond)
	assert.Nil(t, newLimiter(0, 10), "QPS 0 is no limit")
}

// TestRetryAfterPastTheMaximum: a Retry-After longer than MaxRetryAfter,
// even one whose Duration would overflow, returns the response's error at
// once, after one request, with the seconds asked for.
func TestRetryAfterPastTheMaximum(t *testing.T) {
	for _, v := range []string{"61", "999999999", "9223372037", "99999999999999999999"} {
		t.Run(v, func(t *testing.T) {
			s := &scriptedServer{t: t, script: []reply{{code: 429, retryAfter: v}, {code: 200}}}
			c := newTestClient(t, newTestServer(t, s.ServeHTTP))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := c.Get().AbsPath("/api").Do(ctx).Error()
			require.True(t, apierrors.IsTooManyRequests(err), "the 429 itself, not a wait: %v", err)
			assert.Len(t, s.requests(), 1)
			if secs, ok := apierrors.SuggestsClientDelay(err); v != "99999999999999999999" {
				assert.True(t, ok)
				assert.Positive(t, secs, "no overflow into a negative delay")
			}
		})
	}
}
