package discovery

// withRoots is snapshot.withRoots sharing, through Options.Store, what the
// snapshot derives from its root documents, when that depends on them
// alone: both aggregated, neither with a Stale entry. Snapshots of equal
// documents then share one view of groups and resources. Without a Store,
// or with other documents, it is s.withRoots.
func (c *Client) withRoots(s *snapshot, roots [2]*root, ticket uint64) *snapshot {
	store := c.opts.Store
	if store == nil || ticket < s.ticket && s.complete() {
		return s.withRoots(roots, ticket)
	}
	next := s.roots
	for i, r := range roots {
		if r != nil {
			next[i] = r
		}
	}
	core, apis := next[rootCore], next[rootAPIs]
	if core == nil || apis == nil || !viewable(core.doc) || !viewable(apis.doc) {
		return s.withRoots(roots, ticket)
	}
	v := store.viewOf(core.doc, apis.doc, func() *view {
		built := s.withRoots(roots, ticket)
		return &view{groups: built.groups, listed: built.listed, gvs: built.gvs}
	})
	return &snapshot{ticket: ticket, roots: next, groups: v.groups, listed: v.listed, gvs: v.gvs, view: v}
}

// viewable reports whether what a snapshot derives from d depends on d
// alone: an aggregated document carries every resource list, and one
// without Stale entries needs no last good data from before.
func viewable(d *rootDoc) bool { return d.aggregated() && len(d.stale) == 0 }
