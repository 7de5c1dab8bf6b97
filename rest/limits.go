package rest

import (
	"fmt"
	"io"
)

// Default limits; see Limits.
const (
	defaultObjectLimit    = 64 << 20
	defaultListLimit      = 1 << 30
	defaultDiscoveryLimit = 256 << 20
)

// Limits bound what a Client reads from the API server into memory, so that
// a broken or hostile server (an endless body, a small gzip body that
// inflates to gigabytes) costs a *TooLargeError instead of the process.
// Sizes count bytes after the transport's transparent decompression. The
// zero value means the defaults; a negative field turns that limit off.
//
// Stream hands its body to the caller, who bounds what it reads.
type Limits struct {
	// Object bounds one object: the body Request.Do reads for a named object
	// (no subresource, or status or scale) or for a create, and each event of
	// a watch. 0 means 64 MiB; etcd refuses objects over about 1.5 MiB, so
	// no real server comes near it.
	Object int64
	// List bounds every other body Request.Do reads: collections, other
	// subresources (logs, proxies), and requests built with AbsPath alone.
	// 0 means 1 GiB; read larger lists in pages (ListOptions.Limit).
	List int64
	// Discovery bounds a discovery or OpenAPI document, for callers that ask
	// for it with Request.ResponseLimit(Client.Limits().Discovery), as the
	// discovery package does. 0 means 256 MiB.
	Discovery int64
}

// withDefaults fills the zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	if l.Object == 0 {
		l.Object = defaultObjectLimit
	}
	if l.List == 0 {
		l.List = defaultListLimit
	}
	if l.Discovery == 0 {
		l.Discovery = defaultDiscoveryLimit
	}
	return l
}

// TooLargeError is a response body, watch event, file or plugin output that
// is larger than the limit that applies to it. Reading stops at the limit;
// a response's connection is closed rather than drained.
type TooLargeError struct {
	// What names what was read: "response body", "watch event",
	// "exec plugin output", "BearerTokenFile /path/to/token".
	What string
	// Limit is the limit in bytes.
	Limit int64
}

// Error reads "<what> is larger than the limit of 64 MiB", without a
// "rest: " of its own: it always comes wrapped in one of rest's errors (a
// *RequestError, a kubeconfig or Config field's error).
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than the limit of %s", e.What, byteSize(e.Limit))
}

// byteSize formats n for a reader: "64 MiB", "1 KiB", "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// eventLimiter bounds what an event decoder reads for one event: the
// watcher calls next before each Decode, and a Decode that needs more than
// limit bytes fails with a *TooLargeError. It works with any decoder that
// reads only while its current event is incomplete, as all of ours do.
// Reads and next run on the watcher's goroutine only.
type eventLimiter struct {
	io.ReadCloser
	limit int64
	left  int64
}

// next starts the budget of the next event.
func (l *eventLimiter) next() { l.left = l.limit }

func (l *eventLimiter) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, &TooLargeError{What: "watch event", Limit: l.limit}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.ReadCloser.Read(p)
	l.left -= int64(n)
	return n, err
}
