package restmapper

// Ordering follows client-go's discovery mapper, which is what callers
// compare against: core/v1 first; then group by group in the order discovery
// lists them, each group's preferred version before its other versions, and
// those in the order discovery lists them. client-go does not re-sort
// versions (by version.CompareKubeAwareVersionStrings or otherwise): API
// servers already list them by Kubernetes version priority, and where a
// server does not, the mapper follows the server, as client-go does.

// rank orders group-versions as client-go's priority list does: core/v1
// first, then group by group in discovery order, each group's preferred
// version before its others. Lower is better.
func rank(pos int, g *groupIndex, vm int) int {
	gv := g.versions[vm].gv
	if gv.Group == "" && gv.Version == "v1" {
		return -1
	}
	return pos<<16 | g.prio[vm]
}

// assignPriorities puts the preferred version first, as client-go's priority
// list does, but only if discovery actually served it.
func (gi *groupIndex) assignPriorities() {
	gi.prio = make([]int, len(gi.versions))
	next := 0
	for i, v := range gi.versions {
		if v.gv.Version == gi.meta.preferred {
			gi.prio[i] = next
			next++
		}
	}
	for i, v := range gi.versions {
		if v.gv.Version != gi.meta.preferred {
			gi.prio[i] = next
			next++
		}
	}
}
