package fleet

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// Member is one cluster of a fleet: its name and its clients, each built
// the first time it is asked for. The clients share the member's
// connections, and the mapper reads the member's discovery client. A
// Member is safe for concurrent use; it stays usable after it is removed
// from the fleet, but Context is then done.
type Member struct {
	name string
	rc   *rest.Client
	f    *Fleet

	ctx    context.Context
	cancel context.CancelCauseFunc
	// done is closed when Options.Serve has returned, or at once without it.
	done chan struct{}

	discOnce sync.Once
	disc     *discovery.Client
	mapOnce  sync.Once
	mapper   *restmapper.Mapper
	dynOnce  sync.Once
	dyn      *dynamic.Client

	cacheMu sync.Mutex   // guards cache
	cache   *cache.Cache // nil until asked for
}

// start makes the member of name served here and starts Options.Serve for
// it once prevDone (of the member's last life here, if not nil) is closed:
// a member handed over and back quickly is not served twice either. The
// caller holds f.mu; nothing here blocks.
func (f *Fleet) start(name string, rc *rest.Client, prevDone <-chan struct{}) *Member {
	ctx, cancel := context.WithCancelCause(context.Background())
	m := &Member{name: name, rc: rc, f: f, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if f.opts.Serve == nil {
		close(m.done)
		return m
	}
	go func() {
		defer close(m.done)
		defer m.stopCache()
		if prevDone != nil {
			select {
			case <-prevDone:
			case <-ctx.Done():
				return
			}
		}
		f.opts.Serve(ctx, m)
		<-ctx.Done() // the cache serves until the member is stopped
	}()
	return m
}

// stop ends the member's context with cause: its Serve call is expected to
// return, and then its cache is stopped (at once without Serve). It waits
// for nothing: call it without holding f.mu all the same, since stopping
// a cache waits for its informers.
func (m *Member) stop(cause error) {
	m.cancel(cause)
	if m.f.opts.Serve == nil {
		m.stopCache()
	}
}

// wait blocks until the member's Serve call has returned.
func (m *Member) wait() { <-m.done }

// Name returns the member's name.
func (m *Member) Name() string { return m.name }

// Context is done once the member is no longer served here: removed from
// the fleet, handed over to another replica, or the fleet closed.
// context.Cause tells which (ErrRemoved, ErrHandedOver).
func (m *Member) Context() context.Context { return m.ctx }

// Rest returns the member's rest client.
func (m *Member) Rest() *rest.Client { return m.rc }

// Discovery returns the member's discovery client, built on first use with
// Options.Discovery.
func (m *Member) Discovery() *discovery.Client {
	m.discOnce.Do(func() {
		opts := m.f.opts.Discovery
		opts.TTL = jittered(opts.TTL)
		if opts.Gate == nil {
			opts.Gate = m.f.limits.discoveryGate()
		}
		m.disc = discovery.New(m.rc, opts)
	})
	return m.disc
}

// Mapper returns the member's REST mapper over its discovery client, built
// on first use with Options.Mapper.
func (m *Member) Mapper() *restmapper.Mapper {
	m.mapOnce.Do(func() { m.mapper = restmapper.New(m.Discovery(), m.f.opts.Mapper) })
	return m.mapper
}

// Dynamic returns the member's dynamic client, built on first use with
// Options.Dynamic.
func (m *Member) Dynamic() *dynamic.Client {
	m.dynOnce.Do(func() { m.dyn = dynamic.NewWithOptions(m.rc, m.f.opts.Dynamic) })
	return m.dyn
}

// Cache returns the member's informer cache over its dynamic client and
// mapper, built on first use with Options.Cache, its lists taking turns
// with the whole fleet's (ListGate). It is stopped when the member stops
// being served here; asked for after that, it is a stopped Cache.
func (m *Member) Cache() *cache.Cache {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	if m.cache == nil {
		opts := m.f.opts.Cache
		if opts.ListGate == nil {
			opts.ListGate = m.f.ListGate()
		}
		m.cache = cache.New(m.Dynamic(), m.Mapper(), opts)
		if m.ctx.Err() != nil {
			m.cache.Stop()
		}
	}
	return m.cache
}

// stopCache stops the member's cache, if it was built.
func (m *Member) stopCache() {
	m.cacheMu.Lock()
	c := m.cache
	if c == nil {
		// A Cache asked for from now on is built stopped.
		m.cacheMu.Unlock()
		return
	}
	m.cacheMu.Unlock()
	c.Stop()
}

// Mapped returns the member's dynamic client reaching resources by kind
// through its mapper.
func (m *Member) Mapped() *dynamic.Mapped { return dynamic.NewMapped(m.Dynamic(), m.Mapper()) }

// jittered returns ttl lengthened by a random part of up to a tenth, so
// that members created together revalidate at different moments.
func jittered(ttl time.Duration) time.Duration {
	return ttl + rand.N(ttl/10+1)
}
