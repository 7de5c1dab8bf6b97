package cache

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// State is where an informer is in its life.
type State int32

const (
	// Waiting: the kind is not served (yet, or any more). The informer
	// looks it up again with backoff and starts when it appears.
	Waiting State = iota
	// Syncing: the informer is reading the current state of the kind.
	Syncing
	// Synced: the store holds the state the server had at some
	// resourceVersion, kept current by a watch. A watch that breaks and
	// resumes stays Synced; a relist after 410 Gone does too, since the
	// store keeps serving its view until the relist replaces it.
	Synced
	// Stopped: Stop was called; the informer does nothing more.
	Stopped
)

func (s State) String() string {
	switch s {
	case Waiting:
		return "Waiting"
	case Syncing:
		return "Syncing"
	case Synced:
		return "Synced"
	case Stopped:
		return "Stopped"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Stats is a snapshot of what an informer has done: a plain struct for
// logs and metrics of the caller's choice.
type Stats struct {
	State State
	// Resource is the resource the kind maps to; zero while the informer
	// has never found its kind.
	Resource schema.GroupVersionResource
	// Objects is the number of objects in the store.
	Objects int
	// Events counts the watch events applied to the store (ADDED, MODIFIED
	// and DELETED; not bookmarks, not the objects of a list).
	Events uint64
	// Syncs counts the complete reads of the kind's state: the first one,
	// and one after each 410 Gone or return of the kind.
	Syncs uint64
	// Relists counts the syncs that replaced a state the store already had
	// (after 410 Gone): they change only what changed.
	Relists uint64
	// WatchRestarts counts the watches started again from the last
	// resourceVersion after one ended: server timeouts, broken connections.
	WatchRestarts uint64
	// LastResourceVersion is the resourceVersion the store is at.
	LastResourceVersion string
	// WatchList is true when the last sync used WatchList, false when it
	// listed page by page.
	WatchList bool
	// Handlers is the number of handlers added and not removed, and
	// Pending the notifications queued for them and not yet delivered.
	Handlers int
	Pending  int
	// LastError is the last error the informer met (a refused request, a
	// failed Transform, a kind that is not served), nil if none; LastErrorAt
	// says when.
	LastError   error
	LastErrorAt time.Time
}

// counters are the informer's Stats that change with events; the
// reflector's goroutine writes them, Stats reads them from any goroutine.
type counters struct {
	events, syncs, relists, restarts atomic.Uint64
	watchList                        atomic.Bool

	mu          sync.Mutex // guards the fields below
	rv          string
	gvr         schema.GroupVersionResource
	lastErr     error
	lastErrTime time.Time
}

func (c *counters) setRV(rv string) {
	c.mu.Lock()
	c.rv = rv
	c.mu.Unlock()
}

func (c *counters) setResource(gvr schema.GroupVersionResource) {
	c.mu.Lock()
	c.gvr = gvr
	c.mu.Unlock()
}

func (c *counters) setError(err error) {
	c.mu.Lock()
	c.lastErr, c.lastErrTime = err, time.Now()
	c.mu.Unlock()
}

// fill copies the counters into s.
func (c *counters) fill(s *Stats) {
	s.Events, s.Syncs, s.Relists = c.events.Load(), c.syncs.Load(), c.relists.Load()
	s.WatchRestarts, s.WatchList = c.restarts.Load(), c.watchList.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.LastResourceVersion, s.Resource = c.rv, c.gvr
	s.LastError, s.LastErrorAt = c.lastErr, c.lastErrTime
}
