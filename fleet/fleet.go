package fleet

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// Fleet holds the clients of many clusters, its members, by name. Each
// member's discovery client, REST mapper and dynamic client are built when
// first asked for. A Fleet is safe for concurrent use.
//
// A sharded fleet (see Sharded) knows every member added to it but serves
// only its replica's share: Cluster, Names, Each and Map see the members
// served here, and Options.Serve runs for them.
type Fleet struct {
	opts   Options
	limits *limits
	shard  *shard // nil unless Sharded

	mu sync.Mutex // guards entries and owns
	// entries holds every member added and not removed, served here or not.
	entries map[string]*entry
	// owns reports whether a member is served here; nil serves all.
	owns func(name string) bool
}

// entry is one added member: its client, and its Member while served
// here. The client is kept while another replica serves the member, so
// that taking it over reads no file.
type entry struct {
	rc *rest.Client
	m  *Member // nil while another replica serves it
	// lastDone is closed once the Serve of the last Member stopped here
	// has returned; nil if there was none.
	lastDone <-chan struct{}
}

// New returns an empty Fleet.
func New(opts Options) *Fleet {
	opts = opts.withDefaults()
	return &Fleet{opts: opts, limits: newLimits(opts.Limits), entries: map[string]*entry{}}
}

// Add adds a member named name that reaches its cluster through cfg. cfg
// is read as rest.NewClient reads it (its certificate and token files are
// read now) and not kept, so later changes to it do not affect the member.
// No request is made. Errors are *ClusterError: ErrNoName,
// ErrExists, or what rest.NewClient reports.
func (f *Fleet) Add(name string, cfg *rest.Config) error {
	if name == "" {
		return &ClusterError{Err: ErrNoName}
	}
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return &ClusterError{Cluster: name, Err: err}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.entries[name]; ok {
		return &ClusterError{Cluster: name, Err: ErrExists}
	}
	e := &entry{rc: rc}
	f.entries[name] = e
	if f.owns == nil || f.owns(name) {
		e.m = f.start(name, rc, nil)
	}
	return nil
}

// Remove removes the member named name, if there is one. Calls of Each's
// and Map's functions for it see their context cancelled with ErrRemoved
// as its cause, and Remove returns once Options.Serve, if running for it,
// has returned; it must not be called from the member's own Serve. Once
// no caller holds the *Member any more, nothing of it stays reachable from
// the fleet: discovery documents and mapper indexes shared with other
// members are kept only as long as one of them uses them.
func (f *Fleet) Remove(name string) {
	f.mu.Lock()
	e, ok := f.entries[name]
	delete(f.entries, name)
	f.mu.Unlock()
	if !ok {
		return
	}
	if e.m != nil {
		e.m.stop(ErrRemoved)
		e.m.wait()
	}
	if e.lastDone != nil {
		<-e.lastDone
	}
	// The transport may be shared with other members, whose idle
	// connections this closes too: they dial again when next used.
	e.rc.CloseIdleConnections()
}

// Cluster returns the member named name, if it is served here.
func (f *Fleet) Cluster(name string) (*Member, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.entries[name]
	if !ok || e.m == nil {
		return nil, false
	}
	return e.m, true
}

// Names returns the names of the members served here, sorted.
func (f *Fleet) Names() []string {
	return namesOf(f.served())
}

// served returns the members served here, sorted by name.
func (f *Fleet) served() []*Member {
	f.mu.Lock()
	ms := make([]*Member, 0, len(f.entries))
	for _, e := range f.entries {
		if e.m != nil {
			ms = append(ms, e.m)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(ms, func(a, b *Member) int { return strings.Compare(a.name, b.name) })
	return ms
}

// Close stops serving every member, as Remove does, and waits for their
// Serve calls to return. The members stay added: a sharded fleet's Run
// calls Close when its replica leaves.
func (f *Fleet) Close() {
	f.setOwner(func(string) bool { return false }, true)
}

// setOwner makes owns decide which members are served here, starting the
// ones it gives and stopping the others; wait makes it return once the
// stopped ones' Serve calls have.
func (f *Fleet) setOwner(owns func(string) bool, wait bool) {
	var stopped []*Member
	f.mu.Lock()
	f.owns = owns
	for _, name := range slices.Sorted(maps.Keys(f.entries)) {
		e := f.entries[name]
		switch mine := owns(name); {
		case mine && e.m == nil:
			e.m = f.start(name, e.rc, e.lastDone)
		case !mine && e.m != nil:
			e.m.cancel(ErrHandedOver) // at once, under the lock: no Each starts it again
			stopped = append(stopped, e.m)
			e.m, e.lastDone = nil, e.m.done
		}
	}
	f.mu.Unlock()
	for _, m := range stopped {
		m.stop(ErrHandedOver)
	}
	if wait {
		for _, m := range stopped {
			m.wait()
		}
	}
}

func namesOf(ms []*Member) []string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name
	}
	return names
}

// Stores returns the stores through which the members share their
// discovery documents and mapper indexes, for metrics: their Stats tell
// how many distinct API sets the fleet holds.
func (f *Fleet) Stores() (*discovery.Store, *restmapper.Store) {
	return f.opts.Discovery.Store, f.opts.Mapper.Store
}
