package fleet

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// shard is a sharded fleet's membership in its replica group: its own
// Lease, what it observed of the others', and the share those give it.
type shard struct {
	f      *Fleet
	cfg    Sharding
	leases *leaseClient
	name   string // of this replica's Lease
	epoch  string // this process's token on its Lease
	ran    bool   // Run was called; guarded by mu

	mu sync.Mutex // guards the fields below; never held during a request or while calling into f
	// own is this replica's Lease as last written; own.resourceVersion is
	// "" while the replica holds none.
	own lease
	// validUntil is when the replica must have stopped serving unless it
	// renews again: the start of its last successful round plus
	// LeaseDuration − Margin.
	validUntil time.Time
	// heldSince is when the current unbroken hold began (the end of the
	// round that created or took over the Lease, or renewed it after a
	// lapse); zero while not held.
	heldSince time.Time
	// seen holds, per Lease name, the last version read of every other
	// Lease of the group and when this replica first read it.
	seen map[string]observed
	// live lists the identities of the live replicas, this one included.
	live []string
	// drop fires at validUntil, so that the members are given up on time
	// even while a round's requests hang.
	drop *time.Timer
}

// observed is one Lease as this replica last read it.
type observed struct {
	lease
	at time.Time // when this version was first read, on this replica's clock
}

// expired reports whether o, unchanged since o.at, is past its duration at
// now: its holder stopped serving before then.
func (o observed) expired(now time.Time, min time.Duration) bool {
	return !now.Before(o.at.Add(max(o.duration, min)))
}

func newShard(f *Fleet, cfg Sharding) *shard {
	s := &shard{
		f: f, cfg: cfg, leases: newLeaseClient(cfg.Client, cfg.Namespace, cfg.Name),
		name: cfg.leaseName(), epoch: randomHex(8), seen: map[string]observed{},
	}
	s.drop = time.AfterFunc(time.Hour, func() { f.setOwner(s.owns, false) })
	s.drop.Stop()
	return s
}

// owns reports whether this replica serves member now.
func (s *shard) owns(member string) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.heldSince.IsZero() || !now.Before(s.validUntil) || now.Before(s.heldSince.Add(s.cfg.LeaseDuration)) {
		return false
	}
	return owner(member, s.live) == s.cfg.Identity
}

// run is Fleet.Run of a sharded fleet.
func (s *shard) run(ctx context.Context) error {
	s.mu.Lock()
	ran := s.ran
	s.ran = true
	s.mu.Unlock()
	if ran {
		return errors.New("fleet: Run was called before")
	}
	defer s.leave()
	tick := time.NewTicker(s.cfg.RenewPeriod)
	defer tick.Stop()
	for {
		s.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// round renews this replica's Lease, reads the others', and serves the
// share they give it. The Leases are read even when the renewal fails:
// that is how a replica learns that its Lease's name is held by another
// process, and when that one expires.
func (s *shard) round(ctx context.Context) {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, s.cfg.RenewPeriod)
	defer cancel()
	renewErr := s.renew(rctx, start)
	leases, listErr := s.leases.list(rctx)
	end := time.Now()
	s.mu.Lock()
	s.observe(leases, end)
	if renewErr == nil && listErr == nil && s.own.resourceVersion != "" {
		if s.heldSince.IsZero() || !end.Before(s.validUntil) {
			s.heldSince = end // a new hold: wait out a LeaseDuration before serving
		}
		s.validUntil = start.Add(s.cfg.LeaseDuration - s.cfg.Margin)
		s.drop.Reset(time.Until(s.validUntil))
	}
	stale := s.stale(end)
	s.mu.Unlock()
	s.f.setOwner(s.owns, false)
	for _, o := range stale {
		// Only if unchanged since read: a replica that came back keeps it.
		_ = s.leases.delete(rctx, o.name, o.resourceVersion)
	}
}

// stale returns the other replicas' Leases expired for two durations:
// replicas that died without deleting theirs. The caller holds s.mu.
func (s *shard) stale(now time.Time) []observed {
	var out []observed
	for name, o := range s.seen {
		if name != s.name && o.expired(now.Add(-max(o.duration, s.cfg.LeaseDuration)), s.cfg.LeaseDuration) {
			out = append(out, o)
		}
	}
	return out
}

// renew creates, takes over or renews this replica's Lease.
func (s *shard) renew(ctx context.Context, start time.Time) error {
	s.mu.Lock()
	own := s.own
	foreign, seenForeign := s.seen[s.name]
	s.mu.Unlock()
	want := lease{name: s.name, identity: s.cfg.Identity, epoch: s.epoch, duration: s.cfg.LeaseDuration,
		resourceVersion: own.resourceVersion, transitions: own.transitions}
	var got lease
	var err error
	switch {
	case own.resourceVersion != "":
		got, err = s.leases.update(ctx, want, false)
	case seenForeign:
		// Another process (this replica's previous life) holds the name:
		// take it over once it has expired.
		if !foreign.expired(start, s.cfg.LeaseDuration) {
			return errNotYet
		}
		want.resourceVersion, want.transitions = foreign.resourceVersion, foreign.transitions+1
		got, err = s.leases.update(ctx, want, true)
	default:
		got, err = s.leases.create(ctx, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil:
		s.own = got
		delete(s.seen, s.name)
	case apierrors.IsNotFound(err), apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		// Deleted, changed or created by someone else: read it with the
		// others and start again from what it is.
		s.own = lease{}
		s.heldSince = time.Time{}
	}
	return err
}

// errNotYet is renew's answer while the Lease of this replica's name is
// another process's that has not expired.
var errNotYet = errors.New("fleet: this replica's Lease is held by another process")

// observe records the Leases read at now and recomputes the live replicas.
// The caller holds s.mu.
func (s *shard) observe(leases []lease, now time.Time) {
	if leases != nil {
		next := make(map[string]observed, len(leases))
		for _, l := range leases {
			if l.name == s.name && l.epoch == s.epoch {
				if s.own.resourceVersion == "" {
					// Created by this process, though its create seemed to
					// fail (a timeout after the server wrote it): renew it
					// from now on, as a new hold.
					s.own = l
				}
				continue
			}
			o, ok := s.seen[l.name]
			if !ok || o.resourceVersion != l.resourceVersion {
				o = observed{lease: l, at: now}
			}
			next[l.name] = o
		}
		s.seen = next
	}
	live := []string{s.cfg.Identity}
	for name, o := range s.seen {
		if name != s.name && o.identity != "" && !o.expired(now, s.cfg.LeaseDuration) && !slices.Contains(live, o.identity) {
			live = append(live, o.identity)
		}
	}
	slices.Sort(live)
	s.live = live
}

// leave stops serving, waits for Serve to return, and deletes this
// replica's Lease, so that the others take its share over at once.
func (s *shard) leave() {
	s.mu.Lock()
	s.heldSince = time.Time{}
	own := s.own
	s.own = lease{}
	s.mu.Unlock()
	s.drop.Stop()
	s.f.Close()
	// Half a lease duration at most: past it the others are close to
	// seeing the Lease expire anyway. A failure leaves it to expire.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LeaseDuration/2)
	defer cancel()
	if own.resourceVersion != "" {
		err := s.leases.delete(ctx, own.name, own.resourceVersion)
		if !apierrors.IsConflict(err) {
			return
		}
	}
	// This process's last renewal, or its create, may have been written
	// though its answer was lost (Run's context ended with it in flight):
	// delete the Lease as it is now, if it is still this process's.
	cur, err := s.leases.get(ctx, s.name)
	if err == nil && cur.epoch == s.epoch {
		_ = s.leases.delete(ctx, cur.name, cur.resourceVersion)
	}
}
