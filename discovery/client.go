package discovery

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/rest"
)

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// TTL is how long discovery data is trusted before it is revalidated with
	// the server (conditionally, with its ETag where the server sent one).
	// 0 means 10 minutes.
	TTL time.Duration

	// CacheDir, if not "", keeps discovery data on disk across processes in
	// kubectl's layout under CacheDir/<sanitized host>/, so that a new process
	// starts warm. "" means memory only.
	CacheDir string

	// Parallelism bounds the concurrent per-group-version requests of legacy
	// discovery. 0 means 16.
	Parallelism int

	// Timeout bounds one refresh shared by concurrent callers; it does not
	// depend on any caller's context, which only bounds that caller's wait.
	// 0 means 1 minute.
	Timeout time.Duration

	// Store, if not nil, shares parsed documents with the other Clients
	// given the same Store, by content (see Store). nil keeps everything to
	// this Client.
	Store *Store

	// Gate, if not nil, is called before each request and must return when
	// the request may go, with the function to call once it is done, or
	// ctx's error; a fleet bounds the discovery requests of all its
	// clusters with it. nil sends every request at once.
	Gate func(ctx context.Context) (release func(), err error)
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = 10 * time.Minute
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 16
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	return o
}

// Client answers discovery questions about one API server from a cache that
// it keeps fresh. It is safe for concurrent use; readers of cached data take
// no lock.
//
// Returned groups and resource lists are shared with the cache and with other
// callers: they must not be modified.
type Client struct {
	rc   *rest.Client
	opts Options
	disk *diskCache // nil without Options.CacheDir

	snap atomic.Pointer[snapshot]
	mu   sync.Mutex // serializes writers of snap and guards pending; never held during I/O
	// pending holds the legacy entries recorded since snap was published
	// (see record); npending is its length, read without the lock.
	pending  map[schema.GroupVersion]*gvEntry
	npending atomic.Int64

	fresh *cache.Cache
	// flight deduplicates refreshes by their key in fresh.
	flight    singleflight.Group
	openAPIV2 atomic.Pointer[validated[*openapi_v2.Document]]
	openAPIV3 atomic.Pointer[validated[map[string]string]] // the index

	// gen counts invalidations: a refresh that started before one does not
	// mark its result fresh, since it may predate the change being announced.
	gen atomic.Uint64
	// tickets numbers refreshes in the order they start (see snapshot.ticket).
	tickets atomic.Uint64

	// diskTrusted is false after Invalidate: disk data then only supplies
	// ETags to revalidate with, never answers on its own.
	diskTrusted atomic.Bool
}

// NewForConfig returns a Client for the API server cfg points at. No request
// is made until a method needs one.
func NewForConfig(cfg *rest.Config, opts Options) (*Client, error) {
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	return New(rc, opts), nil
}

// New returns a Client that talks through rc, without rc's client-side rate
// limit: discovery is a few requests that every other call waits for, so it
// never queues behind the caller's QPS budget.
func New(rc *rest.Client, opts Options) *Client {
	opts = opts.withDefaults()
	c := &Client{
		rc:   rc.WithoutRateLimit(),
		opts: opts,
		// No cleanup interval: expired items are overwritten on refresh, and
		// no janitor goroutine outlives the Client.
		fresh: cache.New(opts.TTL, 0),
	}
	if opts.CacheDir != "" {
		c.disk = newDiskCache(opts.CacheDir, rc.Host())
	}
	c.snap.Store(emptySnapshot)
	c.diskTrusted.Store(true)
	return c
}

// Invalidate makes the next call of every method fetch anew, unconditionally
// (no ETag, and no trust in the disk cache's age). Until a refetch succeeds,
// the data known so far serves only as last good data of failed
// group-versions. Invalidate makes no request.
func (c *Client) Invalidate() {
	c.gen.Add(1)
	c.diskTrusted.Store(false)
	s := c.update(func(s *snapshot) *snapshot { return s.withoutValidators() })
	c.fresh.Flush()
	c.openAPIV2.Store(nil)
	c.openAPIV3.Store(nil)
	for _, key := range []string{rootKey, versionKey, openAPIV2Key, openAPIV3Key} {
		c.flight.Forget(key)
	}
	for gv := range s.gvs {
		c.flight.Forget(gvKey(gv))
	}
}

// InvalidateGroup marks group as possibly changed, e.g. after a lookup in it
// missed: the next call revalidates the root documents (/api and /apis,
// conditionally with their ETags), and the next Resources of one of group's
// versions under legacy discovery refetches it. Data of the group is kept
// until then, and served as last good data if the refresh fails.
// InvalidateGroup makes no request.
func (c *Client) InvalidateGroup(group string) {
	c.gen.Add(1)
	c.flight.Forget(rootKey)
	c.fresh.Delete(rootKey)
	for gv := range c.snap.Load().listed {
		if gv.Group == group {
			c.flight.Forget(gvKey(gv))
			c.fresh.Delete(gvKey(gv))
		}
	}
}
