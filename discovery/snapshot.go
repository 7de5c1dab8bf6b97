package discovery

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The two root documents of discovery.
const (
	rootCore = iota // GET /api: the core group ""
	rootAPIs        // GET /apis: every named group
)

var rootPaths = [2]string{rootCore: "/api", rootAPIs: "/apis"}

// rootOf tells which root document lists gv.
func rootOf(gv schema.GroupVersion) int {
	if gv.Group == "" {
		return rootCore
	}
	return rootAPIs
}

// root is one root document as the server last sent it.
type root struct {
	doc  *rootDoc
	etag string // "" when the server sent none
}

// gvEntry is what the client knows about one group-version's resources.
type gvEntry struct {
	// list is the last good resource list; nil when none was ever seen.
	list *metav1.APIResourceList
	// err is why the last attempt failed (a *StaleError, or the request's
	// error for legacy discovery); nil when list is current.
	err error
	// etag validates a legacy document; aggregated entries are validated
	// through their root's ETag.
	etag string
	// ticket orders legacy refreshes: see snapshot.ticket.
	ticket uint64
}

// snapshot is everything the client knows at one moment. It is published
// whole through an atomic.Pointer and never modified afterwards, so readers
// take no lock; writers build a new one from the old (see Client.update).
type snapshot struct {
	roots  [2]*root // nil until that root is fetched
	groups *metav1.APIGroupList
	// listed holds the group-versions of groups: the ones the server serves.
	listed map[schema.GroupVersion]bool
	gvs    map[schema.GroupVersion]*gvEntry
	// ticket is that of the root refresh that published roots. Refreshes take
	// increasing tickets when they start; one that finishes after a later
	// one, which invalidation makes possible, does not publish its older data.
	ticket uint64
	// view, if not nil, is the view of Options.Store that groups, listed and
	// gvs are shared from; holding it keeps it in the Store.
	view *view
}

var emptySnapshot = &snapshot{groups: newGroupList(), listed: map[schema.GroupVersion]bool{}, gvs: map[schema.GroupVersion]*gvEntry{}}

func newGroupList() *metav1.APIGroupList {
	return &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
}

// complete reports whether both roots are known.
func (s *snapshot) complete() bool { return s.roots[rootCore] != nil && s.roots[rootAPIs] != nil }

// aggregated reports whether gv's resources come with its root document, so
// that no per-group-version request is ever needed for it.
func (s *snapshot) aggregated(gv schema.GroupVersion) bool {
	r := s.roots[rootOf(gv)]
	return r != nil && r.doc.aggregated()
}

// withRoots returns a snapshot with the given roots (nil keeps the current
// one) fetched by the refresh holding ticket, its groups and aggregated
// entries rebuilt; s itself when a later refresh already published. Stale
// aggregated entries keep their last good list from s; a stale group-version
// with no last good list is left out of the groups, as there is nothing to
// serve for it. Legacy entries of group-versions still listed are carried over.
func (s *snapshot) withRoots(roots [2]*root, ticket uint64) *snapshot {
	if ticket < s.ticket && s.complete() {
		return s
	}
	next := &snapshot{
		ticket: ticket,
		roots:  s.roots,
		groups: newGroupList(),
		listed: make(map[schema.GroupVersion]bool, len(s.listed)),
		gvs:    make(map[schema.GroupVersion]*gvEntry, len(s.gvs)),
	}
	for i, r := range roots {
		if r != nil {
			next.roots[i] = r
		}
	}
	for _, r := range next.roots {
		if r == nil {
			continue
		}
		for _, g := range r.doc.groups {
			if g, ok := next.addGroup(s, r.doc, g); ok {
				next.groups.Groups = append(next.groups.Groups, g)
			}
		}
	}
	return next
}

// addGroup records the entries of one group's versions and returns the group
// as Groups serves it, false when none of its versions can be served.
func (s *snapshot) addGroup(prev *snapshot, doc *rootDoc, g metav1.APIGroup) (metav1.APIGroup, bool) {
	versions := make([]metav1.GroupVersionForDiscovery, 0, len(g.Versions))
	for _, v := range g.Versions {
		gv := schema.GroupVersion{Group: g.Name, Version: v.Version}
		old := prev.gvs[gv]
		switch {
		case !doc.aggregated():
			if old != nil {
				s.gvs[gv] = old
			}
		case doc.stale[gv]:
			e := &gvEntry{err: &StaleError{GroupVersion: gv}}
			if old != nil {
				e.list = old.list
			}
			s.gvs[gv] = e
			if e.list == nil {
				continue
			}
		default:
			s.gvs[gv] = &gvEntry{list: doc.resources[gv]}
		}
		versions = append(versions, v)
		s.listed[gv] = true
	}
	if len(versions) == 0 {
		return g, false
	}
	if len(versions) != len(g.Versions) {
		g.Versions = versions
		if !hasVersion(versions, g.PreferredVersion.Version) {
			g.PreferredVersion = versions[0]
		}
	}
	return g, true
}

func hasVersion(vs []metav1.GroupVersionForDiscovery, version string) bool {
	for _, v := range vs {
		if v.Version == version {
			return true
		}
	}
	return false
}

// withEntries returns a snapshot with the given legacy entries in place of
// the ones s has, in one copy of its entry map. A group-version that a
// concurrent root refresh stopped listing is not brought back, nor is an
// entry replaced by an older refresh's (a lower ticket).
func (s *snapshot) withEntries(entries map[schema.GroupVersion]*gvEntry) *snapshot {
	next := *s
	next.gvs = maps.Clone(s.gvs)
	for gv, e := range entries {
		if old := s.gvs[gv]; !s.listed[gv] || old != nil && old.ticket > e.ticket {
			continue
		}
		next.gvs[gv] = e
	}
	return &next
}

// withoutValidators returns a copy of s without ETags, so that the next
// refresh of each document is unconditional. The data stays, so that readers
// racing with Invalidate never see an empty snapshot, and failed refetches
// still have last good data.
func (s *snapshot) withoutValidators() *snapshot {
	next := *s
	for i, r := range s.roots {
		if r != nil {
			next.roots[i] = &root{doc: r.doc}
		}
	}
	next.gvs = make(map[schema.GroupVersion]*gvEntry, len(s.gvs))
	for gv, e := range s.gvs {
		cp := *e
		cp.etag = ""
		next.gvs[gv] = &cp
	}
	return &next
}

// versions lists the group-versions of the served groups, in Groups order.
func (s *snapshot) versions() []schema.GroupVersion {
	var gvs []schema.GroupVersion
	for _, g := range s.groups.Groups {
		for _, v := range g.Versions {
			gvs = append(gvs, schema.GroupVersion{Group: g.Name, Version: v.Version})
		}
	}
	return gvs
}
