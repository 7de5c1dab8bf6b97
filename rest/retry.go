package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// RetryInfo describes one retry, passed to Config.OnRetry before the wait.
type RetryInfo struct {
	// Attempt counts retries of this request: 1 for the first retry.
	Attempt int
	// Method and URL identify the request.
	Method string
	URL    string
	// StatusCode is the response that asked for the retry; 0 when the
	// request failed without a usable response.
	StatusCode int
	// Err is the connection error that caused the retry, such as a reset or
	// a response body cut short ("read body: unexpected EOF"); nil when a
	// response with Retry-After did.
	Err error
	// Wait is how long the client sleeps before sending again.
	Wait time.Duration
}

// retryPolicy decides whether a finished attempt is sent again and after how
// long. retries is how many retries were already made.
//
// A response carrying Retry-After with status 429 or 5xx is retried after the
// time it names. A write (anything but GET and HEAD) is retried only on 429:
// a 5xx or a reset connection may mean the server acted on it, and sending it
// twice could create or change an object twice. GET and HEAD are also retried
// when the connection broke (reset, unexpected EOF), before the response or,
// in Request.Do, while its body was read.
func (c *Client) retryPolicy(method string, resp *http.Response, err error, retries int) (time.Duration, bool) {
	if c.maxRetries < 0 || retries >= c.maxRetries {
		return 0, false
	}
	idempotent := method == http.MethodGet || method == http.MethodHead
	if err != nil {
		if !idempotent || !isBrokenConnection(err) {
			return 0, false
		}
		return connectionBackoff(retries), true
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return 0, false
	}
	if !idempotent && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	return retryAfter(resp.Header)
}

// isBrokenConnection reports errors after which a GET may simply be sent again.
func isBrokenConnection(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return utilnet.IsConnectionReset(err) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err)
}

// connectionBackoff grows 100ms, 200ms, 400ms ... up to 2s: a reset is
// usually a restarting server or a load balancer, which recovers quickly.
func connectionBackoff(retries int) time.Duration {
	d := 100 * time.Millisecond << min(retries, 5)
	return min(d, 2*time.Second)
}

// MaxRetryAfter is the longest Retry-After a Client waits for before
// sending a request again. A server asking for longer is not waited for:
// the response's error, which carries the seconds asked for, is returned,
// and the caller decides. The API server asks for a second or so.
const MaxRetryAfter = time.Minute

// retryAfter returns the wait Retry-After asks for when it is one the client
// honours: whole seconds (what the API server sends), at most MaxRetryAfter.
// An absent, unparsable or longer one means no retry.
func retryAfter(h http.Header) (time.Duration, bool) {
	secs, ok := retryAfterSeconds(h)
	if !ok || secs > int64(MaxRetryAfter/time.Second) {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// retryAfterSeconds parses Retry-After as non-negative whole seconds, any
// number of them: the caller bounds it before multiplying, as a Duration
// overflows past 292 years.
func retryAfterSeconds(h http.Header) (int64, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	return secs, true
}

// sleep waits d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
