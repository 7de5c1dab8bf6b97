package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxStreamErrorBody bounds what Stream and Watch read of an error response.
const maxStreamErrorBody = 1 << 20

// Do sends the request, retrying as described at RetryInfo and retryPolicy,
// and reads the whole response. Its error, if any, is in Result.Error.
//
// The body is read inside each attempt, so a GET or HEAD whose body is cut
// short (unexpected EOF, a reset connection) is sent again like one whose
// connection broke before the response; a write is not. A body cut short on
// the last attempt is a *RequestError wrapping the read error.
func (r *Request) Do(ctx context.Context) Result {
	return r.do(ctx, nil)
}

// DoWith is Do for a caller that decodes the body at once and keeps
// nothing of it: it hands the Result to decode and returns what decode
// returns. The body is lent: it is valid until decode returns, and its
// memory then goes to the bodies read later, which saves allocating (and
// collecting) a buffer as large as the body on every request.
//
// decode may keep what it decodes only if the decoder copies it out of the
// body, as generated protobuf code and encoding/json into typed values do.
// Result.Into copies the body first where its decoder would not (into
// unstructured objects, whose strings share the body). Neither Raw's slice
// nor the Result may outlive decode.
func (r *Request) DoWith(ctx context.Context, decode func(Result) error) error {
	scratch := borrowBody()
	res := r.do(ctx, scratch)
	res.lent = true
	err := decode(res)
	// Keep the larger buffer: scratch, which holds the body if it fitted,
	// or the body, which did not fit in it.
	if cap(res.body) > cap(scratch) {
		scratch = res.body
	}
	returnBody(scratch)
	return err
}

// do is Do, reading the body into scratch when it fits.
func (r *Request) do(ctx context.Context, scratch []byte) Result {
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	resp, body, err := r.run(ctx, true, scratch)
	if err != nil {
		return Result{err: err}
	}
	return Result{
		body:       body,
		statusCode: resp.StatusCode,
		header:     resp.Header,
		err:        errorFromResponse(r.method, resp.StatusCode, resp.Header, body),
	}
}

// Stream sends the request and returns the response body for the caller to
// read and close. A response other than 2xx and 304 returns the same error as
// Result.Error.
// Timeouts keep running until the body is closed.
func (r *Request) Stream(ctx context.Context) (io.ReadCloser, error) {
	ctx, cancel := r.withTimeout(ctx)
	resp, err := r.send(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	if !streamable(resp.StatusCode) {
		defer cancel()
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxStreamErrorBody))
		return nil, errorFromResponse(r.method, resp.StatusCode, resp.Header, body)
	}
	return &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}, nil
}

// streamable reports the statuses whose body Stream hands over: 2xx, and
// 304 Not Modified (empty), which is no error either.
func streamable(code int) bool {
	return (code >= 200 && code < 300) || code == http.StatusNotModified
}

// cancelOnClose releases a request's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// withTimeout applies the request's timeout, or else the client's.
func (r *Request) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := r.timeout
	if d == 0 {
		d = r.c.timeout
	}
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// send runs the attempts of a request and returns the last response, whose
// body the caller reads and closes.
func (r *Request) send(ctx context.Context) (*http.Response, error) {
	resp, _, err := r.run(ctx, false, nil)
	return resp, err
}

// run runs the attempts of a request and returns the last response. With
// readBody, each attempt reads the whole body (into scratch when it fits),
// returned apart (the response's Body is then empty), and an error while
// reading it counts as the attempt's error, so the retry policy sees it;
// without, the caller reads and closes the body.
func (r *Request) run(ctx context.Context, readBody bool, scratch []byte) (*http.Response, []byte, error) {
	if r.err != nil {
		return nil, nil, r.err
	}
	target := r.URL()
	// shown is what errors and OnRetry see: a password in Config.Host is a
	// secret like any other.
	u, shown := target.String(), target.Redacted()
	for retries := 0; ; retries++ {
		resp, body, err := r.attempt(ctx, u, readBody, scratch)
		wait, again := r.c.retryPolicy(r.method, resp, err, retries)
		if !again {
			if err != nil {
				return nil, nil, r.wrap(shown, err)
			}
			return resp, body, nil
		}
		info := RetryInfo{Attempt: retries + 1, Method: r.method, URL: shown, Err: err, Wait: wait}
		if resp != nil {
			info.StatusCode = resp.StatusCode
			drain(resp.Body)
		}
		if r.c.onRetry != nil {
			r.c.onRetry(info)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, r.wrap(shown, fmt.Errorf("waiting to retry: %w", err))
		}
	}
}

// attempt sends the request once and, with readBody, reads the response's
// body. As with http.Client.Do, a non-nil error comes with a nil response.
func (r *Request) attempt(ctx context.Context, u string, readBody bool, scratch []byte) (*http.Response, []byte, error) {
	resp, err := r.roundTrip(ctx, u)
	if err != nil || !readBody {
		return resp, nil, err
	}
	body, err := r.readBody(resp, scratch)
	_ = resp.Body.Close()
	resp.Body = http.NoBody
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	return resp, body, nil
}

// readBody reads resp's body within the request's limit. A body announced
// larger than the limit is refused unread; closing it unread then closes
// the connection, so an endless body stops there. The Content-Length of an
// answer to HEAD is that of a GET, without a body.
func (r *Request) readBody(resp *http.Response, scratch []byte) ([]byte, error) {
	limit, size := r.responseLimit(), resp.ContentLength
	if r.method == http.MethodHead {
		size = -1
	}
	if limit >= 0 && size > limit {
		return nil, &TooLargeError{What: "response body", Limit: limit}
	}
	return readSized(resp.Body, size, limit, "response body", scratch)
}

// roundTrip sends the request once.
func (r *Request) roundTrip(ctx context.Context, u string) (*http.Response, error) {
	if err := r.c.throttle(ctx); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, r.newBody())
	if err != nil {
		return nil, err
	}
	req.GetBody = func() (io.ReadCloser, error) { return r.newBody(), nil }
	req.ContentLength = int64(len(r.body))
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", r.c.userAgent)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := r.c.http.Do(req)
	if err == nil {
		r.c.handleWarnings(resp.Header)
	}
	return resp, err
}

// wrap prefixes err with the request, dropping url.Error's own copy of it.
func (r *Request) wrap(u string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &RequestError{Method: r.method, URL: u, Err: err}
}

// RequestError is a request that got no usable response: a connection
// failure, a credential that could not be obtained, a cancelled context.
// Errors from the API server are *apierrors.StatusError instead.
type RequestError struct {
	Method string
	URL    string
	Err    error
}

// Error reads "rest: GET <url>: <cause>", without a second "rest: " when the
// cause is one of ours.
func (e *RequestError) Error() string {
	return "rest: " + e.Method + " " + e.URL + ": " + strings.TrimPrefix(e.Err.Error(), "rest: ")
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) works.
func (e *RequestError) Unwrap() error { return e.Err }

// drain reads a little of a discarded body so its connection can be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
