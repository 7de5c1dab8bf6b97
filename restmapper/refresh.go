package restmapper

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resolve returns a snapshot in which try is worth answering from: the
// groups in sc are loaded, and if try missed, they were reloaded once unless
// key is still in backoff from an earlier miss.
func (m *Mapper) resolve(ctx context.Context, sc scope, name string, key negKey, try func(*snapshot) error) (*snapshot, error) {
	s, err := m.ensure(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	if !isMiss(try(s)) {
		return s, nil
	}
	if inBackoff, _ := m.neg.active(key, m.now()); inBackoff {
		return s, nil
	}
	if mark, claimed := m.neg.claimRefresh(sc.String(), m.now()); claimed {
		// refresh finishes mark when the shared refresh ends, not when this
		// caller stops waiting: others wait on mark for its result.
		if err := m.refresh(ctx, sc, mark); err != nil && ctx.Err() != nil {
			return nil, err
		}
	} else {
		select {
		case <-mark.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// A failed refresh keeps the last good data; the miss is remembered all
	// the same, so that a broken server is not asked again at once.
	if s, err = m.ensure(ctx, sc, name); err != nil {
		return nil, err
	}
	if isMiss(try(s)) {
		m.neg.remember(key, m.now(), nil)
	} else {
		m.neg.forget(key)
	}
	return s, nil
}

// ensure returns the current snapshot after loading the group list and the
// groups in sc, if they are not loaded yet.
func (m *Mapper) ensure(ctx context.Context, sc scope, name string) (*snapshot, error) {
	for range 50 {
		s := m.snap.Load()
		if s == nil || s.list == nil {
			if err := m.loadList(ctx); err != nil {
				return nil, err
			}
			continue
		}
		ps, ok := s.positions(sc, name)
		if ok {
			return s, nil
		}
		var missing []int
		for _, p := range ps {
			if s.groups[p] == nil {
				missing = append(missing, p)
			}
		}
		if err := m.loadGroups(ctx, s, sc, missing); err != nil {
			return nil, err
		}
	}
	// A Reset raced with the loads; answer from whatever is there now.
	if s := m.snap.Load(); s != nil && s.list != nil {
		return s, nil
	}
	return nil, fmt.Errorf("restmapper: discovery was reset while loading")
}

// share runs fn once for all concurrent callers with the same key, detached
// from any caller's cancellation; each caller waits only as long as its own
// ctx allows.
func (m *Mapper) share(ctx context.Context, key string, fn func(context.Context) error) error {
	return m.shareThen(ctx, key, fn, nil)
}

// shareThen is share calling done, if not nil, when the shared run ends,
// even if ctx ends first.
func (m *Mapper) shareThen(ctx context.Context, key string, fn func(context.Context) error, done func()) error {
	ch := m.flight.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.opts.RefreshTimeout)
		defer cancel()
		return nil, fn(ctx)
	})
	select {
	case r := <-ch:
		if done != nil {
			done()
		}
		return r.Err
	case <-ctx.Done():
		if done != nil {
			// The run is bounded by RefreshTimeout, and so is this wait.
			go func() { <-ch; done() }()
		}
		return ctx.Err()
	}
}

// loadList reads the group list and publishes it, shared with concurrent
// callers. A failure is repeated from memory during its backoff.
func (m *Mapper) loadList(ctx context.Context) error {
	if inBackoff, err := m.neg.active(negKey{op: opGroups}, m.now()); inBackoff {
		return err
	}
	return m.share(ctx, "groups", m.readList)
}

func (m *Mapper) readList(ctx context.Context) error {
	gen := m.gen.Load()
	l, err := m.fetchList(ctx)
	if err != nil {
		return err
	}
	m.publish(gen, l, nil)
	return nil
}

// fetchList reads the group list; a failure is remembered for its backoff.
func (m *Mapper) fetchList(ctx context.Context) (*groupList, error) {
	key := negKey{op: opGroups}
	gl, err := m.d.Groups(ctx)
	if gl == nil {
		if err == nil {
			err = fmt.Errorf("no group list")
		}
		err = fmt.Errorf("restmapper: discover groups: %w", err)
		m.neg.remember(key, m.now(), err)
		return nil, err
	}
	m.neg.forget(key)
	failed := failuresOf(err)
	return m.opts.Store.groupList(gl, failed, func() *groupList { return newGroupList(gl, failed) }), nil
}

// loadGroups reads the groups at positions ps of s's list and publishes
// them, shared with concurrent callers loading the same scope.
func (m *Mapper) loadGroups(ctx context.Context, s *snapshot, sc scope, ps []int) error {
	if len(ps) == 0 {
		return nil
	}
	return m.share(ctx, "load "+sc.String(), func(ctx context.Context) error {
		gen := m.gen.Load()
		loaded, err := m.fetchGroups(ctx, s.list, ps, s.groups)
		if err != nil {
			return err
		}
		m.publish(gen, nil, loaded)
		return nil
	})
}

// fetchGroups reads the groups at positions ps of list, with bounded
// parallelism; olds holds their previous indexes by the same positions.
func (m *Mapper) fetchGroups(ctx context.Context, list *groupList, ps []int, olds []*groupIndex) ([]*groupIndex, error) {
	loaded := make([]*groupIndex, len(ps))
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(m.opts.Parallelism)
	for i, p := range ps {
		eg.Go(func() error {
			var err error
			loaded[i], err = m.fetchGroup(ctx, list, list.groups[p], olds[p])
			return err
		})
	}
	return loaded, eg.Wait()
}

// fetchGroup reads every version of g. A version whose discovery fails keeps
// old's data for it, if any, and is recorded as failed; only the caller's
// context ending fails the whole load.
func (m *Mapper) fetchGroup(ctx context.Context, list *groupList, g groupMeta, old *groupIndex) (*groupIndex, error) {
	var versions []*versionIndex
	var lists []*metav1.APIResourceList // what versions index, for Options.Store
	var failed map[schema.GroupVersion]error
	for _, v := range g.versions {
		gv := schema.GroupVersion{Group: g.name, Version: v}
		rl, err := m.d.Resources(ctx, gv)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("restmapper: discover %s: %w", gv, ctx.Err())
		}
		if cause, ok := list.failed[gv]; ok && err == nil {
			err = cause
		}
		if err != nil {
			if failed == nil {
				failed = make(map[schema.GroupVersion]error)
			}
			failed[gv] = causeFor(err, gv)
		}
		switch {
		case rl != nil:
			versions = append(versions, &versionIndex{gv: gv, resources: rl.APIResources})
			lists = append(lists, rl)
		case old != nil:
			if i := slices.IndexFunc(old.versions, func(o *versionIndex) bool { return o.gv == gv }); i >= 0 {
				versions = append(versions, old.versions[i])
			}
		}
	}
	return m.opts.Store.groupIndex(g, lists, failed, func() *groupIndex { return newGroupIndex(g, versions, failed) }), nil
}

// refresh invalidates the groups in sc, rereads the group list and reloads
// those groups, so that kinds installed since they were read become known;
// the new list and groups are published together. Concurrent refreshes of
// the same scope share one; mark is finished when it ends, even if ctx ends
// first.
func (m *Mapper) refresh(ctx context.Context, sc scope, mark *refreshMark) error {
	return m.shareThen(ctx, "refresh "+sc.String(), func(ctx context.Context) error {
		gen := m.gen.Load()
		cur := m.snap.Load()
		if cur != nil && cur.list != nil {
			for _, p := range cur.list.inScope(sc) {
				m.d.InvalidateGroup(cur.list.groups[p].name)
			}
		}
		if !sc.all {
			// The group may be new, and then is in no list position yet.
			m.d.InvalidateGroup(sc.group)
		}
		l, err := m.fetchList(ctx)
		if err != nil {
			return err
		}
		ps := l.inScope(sc)
		olds := make([]*groupIndex, len(l.groups))
		if cur != nil && cur.list != nil {
			for _, p := range ps {
				olds[p] = cur.group(l.groups[p].name)
			}
		}
		loaded, err := m.fetchGroups(ctx, l, ps, olds)
		if err != nil {
			return err
		}
		m.publish(gen, l, loaded)
		return nil
	}, mark.finish)
}

// publish publishes a new snapshot: with list, if not nil, replacing the
// group list (keeping the loaded groups whose versions did not change), and
// with loaded replacing their groups, unless they changed in the list
// meanwhile. Nothing is published if a Reset happened since gen.
func (m *Mapper) publish(gen uint64, list *groupList, loaded []*groupIndex) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.snap.Load()
	if m.gen.Load() != gen {
		return
	}
	var groups []*groupIndex
	switch {
	case list != nil:
		groups = make([]*groupIndex, len(list.groups))
		if cur != nil && cur.list != nil {
			for i, g := range list.groups {
				if old := cur.group(g.name); old != nil && old.meta.equal(g) {
					groups[i] = old
				}
			}
		}
	case cur != nil && cur.list != nil:
		list, groups = cur.list, slices.Clone(cur.groups)
	default:
		return
	}
	for _, g := range loaded {
		if p, ok := list.pos[g.name]; ok && list.groups[p].equal(g.meta) {
			groups[p] = g
		}
	}
	m.snap.Store(m.opts.Store.snapshot(newSnapshot(gen, list, groups)))
}
