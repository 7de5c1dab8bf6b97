package restmapper

import (
	"slices"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groupMeta is one entry of the discovery group list.
type groupMeta struct {
	name      string
	versions  []string // discovery order, without duplicates
	preferred string
}

func (g groupMeta) equal(o groupMeta) bool {
	return g.name == o.name && g.preferred == o.preferred && slices.Equal(g.versions, o.versions)
}

// groupList is the immutable group list from discovery, with the tables
// lookups need to find groups by name and by name prefix without allocating.
type groupList struct {
	groups []groupMeta
	pos    map[string]int
	// all is 0…len(groups)-1; all[i:i+1] is group i alone.
	all []int
	// prefixed holds, for each listed group name, the positions (in list
	// order) of the groups whose names begin with it. client-go matches a
	// group-qualified resource against every such group.
	prefixed map[string][]int
	// failed holds the group-versions that discovery reported as failed
	// while listing groups.
	failed map[schema.GroupVersion]error
}

func newGroupList(l *metav1.APIGroupList, failed map[schema.GroupVersion]error) *groupList {
	gl := &groupList{pos: make(map[string]int, len(l.Groups)), failed: failed}
	for _, g := range l.Groups {
		if _, dup := gl.pos[g.Name]; dup {
			continue
		}
		m := groupMeta{name: g.Name, preferred: g.PreferredVersion.Version}
		for _, v := range g.Versions {
			if !slices.Contains(m.versions, v.Version) {
				m.versions = append(m.versions, v.Version)
			}
		}
		gl.pos[g.Name] = len(gl.groups)
		gl.groups = append(gl.groups, m)
	}
	gl.all = make([]int, len(gl.groups))
	for i := range gl.all {
		gl.all[i] = i
	}
	gl.prefixed = make(map[string][]int, len(gl.groups))
	byName := slices.Clone(gl.all)
	slices.SortFunc(byName, func(a, b int) int { return strings.Compare(gl.groups[a].name, gl.groups[b].name) })
	for i, p := range byName {
		name := gl.groups[p].name
		var ps []int
		// Names sharing a prefix sort next to each other, so the range ends
		// at the first name without it.
		for _, q := range byName[i:] {
			if !strings.HasPrefix(gl.groups[q].name, name) {
				break
			}
			ps = append(ps, q)
		}
		slices.Sort(ps)
		gl.prefixed[name] = ps
	}
	return gl
}

// withPrefix returns the positions of the groups whose names begin with prefix.
func (l *groupList) withPrefix(prefix string) []int {
	if ps, ok := l.prefixed[prefix]; ok {
		return ps
	}
	var ps []int
	for i, g := range l.groups {
		if strings.HasPrefix(g.name, prefix) {
			ps = append(ps, i)
		}
	}
	return ps
}

// inScope returns the positions of the groups in sc.
func (l *groupList) inScope(sc scope) []int {
	switch {
	case sc.all:
		return l.all
	case sc.prefix:
		return l.withPrefix(sc.group)
	}
	if p, ok := l.pos[sc.group]; ok {
		return l.all[p : p+1]
	}
	return nil
}

// scope is the set of groups a lookup looks in.
type scope struct {
	group string
	// prefix widens the scope to every group whose name begins with group,
	// as client-go does for a resource given with a group but no version.
	prefix bool
	// all is every group.
	all bool
}

// resourceScope is the scope client-go searches for a partial resource.
func resourceScope(r schema.GroupVersionResource) scope {
	return coercedScope(coerce(r))
}

func coercedScope(r schema.GroupVersionResource) scope {
	switch {
	case r.Resource == "":
		// client-go's answer depends on whether any version is served at
		// all, which only every group can tell.
		return scope{all: true}
	case r.Group != "" && r.Version != "":
		return scope{group: r.Group}
	case r.Group != "":
		return scope{group: r.Group, prefix: true}
	default:
		return scope{all: true}
	}
}

func (sc scope) String() string {
	switch {
	case sc.all:
		return "*"
	case sc.prefix:
		return sc.group + "*"
	default:
		return sc.group
	}
}

// snapshot is an immutable view of everything the mapper knows. Readers load
// it through an atomic pointer and never lock.
type snapshot struct {
	gen  uint64
	list *groupList
	// groups holds each listed group's index by list position; nil means not
	// loaded yet.
	groups   []*groupIndex
	complete bool // every group is loaded

	byNameOnce sync.Once
	byName     map[string][]int // resource name → positions of groups that know it
}

func newSnapshot(gen uint64, list *groupList, groups []*groupIndex) *snapshot {
	s := &snapshot{gen: gen, list: list, groups: groups, complete: true}
	for _, g := range groups {
		if g == nil {
			s.complete = false
			break
		}
	}
	return s
}

// group returns the loaded index of the named group, or nil.
func (s *snapshot) group(name string) *groupIndex {
	p, ok := s.list.pos[name]
	if !ok {
		return nil
	}
	return s.groups[p]
}

// positions returns the list positions of the groups in sc that may know
// name (all of them if name is ""), and whether all of those are loaded.
func (s *snapshot) positions(sc scope, name string) ([]int, bool) {
	switch {
	case sc.all:
		if !s.complete {
			return s.list.all, false
		}
		if name == "" {
			return s.list.all, true
		}
		return s.namesIndex()[name], true
	case sc.prefix:
		ps := s.list.withPrefix(sc.group)
		for _, p := range ps {
			if s.groups[p] == nil {
				return ps, false
			}
		}
		return ps, true
	default:
		p, ok := s.list.pos[sc.group]
		if !ok {
			return nil, true
		}
		return s.list.all[p : p+1], s.groups[p] != nil
	}
}

// namesIndex maps each resource name to the groups that know it. It is built
// on first use, and only for complete snapshots, so that loading groups one
// by one does not rebuild it each time.
func (s *snapshot) namesIndex() map[string][]int {
	s.byNameOnce.Do(func() {
		idx := make(map[string][]int)
		for p, g := range s.groups {
			for name := range g.names {
				idx[name] = append(idx[name], p)
			}
		}
		s.byName = idx
	})
	return s.byName
}

// failures returns the discovery failures of the groups in sc.
func (s *snapshot) failures(sc scope) map[schema.GroupVersion]error {
	var failed map[schema.GroupVersion]error
	add := func(gv schema.GroupVersion, err error) {
		if failed == nil {
			failed = make(map[schema.GroupVersion]error)
		}
		failed[gv] = err
	}
	ps, _ := s.positions(scope{group: sc.group, prefix: sc.prefix, all: sc.all}, "")
	for _, p := range ps {
		if g := s.groups[p]; g != nil {
			for gv, err := range g.failed {
				add(gv, err)
			}
		}
	}
	for gv, err := range s.list.failed {
		if sc.all || gv.Group == sc.group || (sc.prefix && strings.HasPrefix(gv.Group, sc.group)) {
			if _, ok := failed[gv]; !ok {
				add(gv, err)
			}
		}
	}
	return failed
}
