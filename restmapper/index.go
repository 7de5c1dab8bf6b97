package restmapper

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// versionIndex is one group-version that discovery served. It keeps the
// resource list (shared with the discovery client's copy) so that the group
// can be re-indexed from it when a later refresh of the version fails.
type versionIndex struct {
	gv        schema.GroupVersion
	resources []metav1.APIResource
}

// versionTables is what client-go keeps in one DefaultRESTMapper, built by
// the same sequence of additions so that later resources overwrite earlier
// ones exactly as they do there. It lives only while a group is indexed.
type versionTables struct {
	gv               schema.GroupVersion
	pluralToSingular map[string]string
	resourceToKind   map[string]string
	kindToPlural     map[string]string
	kindToScope      map[string]meta.RESTScope
	// realKinds are the kinds discovery names, as opposed to the lower-case
	// and list forms client-go adds.
	realKinds map[string]bool
	// For Expand, which kubectl serves from the raw discovery documents:
	shortNames map[string][]string // short name → plurals
	categories map[string][]string // category → plurals
}

func newVersionTables(v *versionIndex) *versionTables {
	n := len(v.resources)
	t := &versionTables{
		gv:               v.gv,
		pluralToSingular: make(map[string]string, 2*n+1),
		resourceToKind:   make(map[string]string, 4*n+2),
		kindToPlural:     make(map[string]string, 3*n+1),
		kindToScope:      make(map[string]meta.RESTScope, 3*n+1),
		realKinds:        make(map[string]bool, n),
		shortNames:       make(map[string][]string),
		categories:       make(map[string][]string),
	}
	for i := range v.resources {
		r := &v.resources[i]
		// Subresources have no kind of their own to map.
		if strings.Contains(r.Name, "/") {
			continue
		}
		scope := meta.RESTScopeNamespace
		if !r.Namespaced {
			scope = meta.RESTScopeRoot
		}
		singular := r.SingularName
		if singular == "" {
			// Servers before 1.27 do not send singular names, so client-go guesses.
			_, guess := meta.UnsafeGuessKindToResource(v.gv.WithKind(r.Kind))
			singular = guess.Resource
		}
		t.add(strings.ToLower(r.Kind), r.Name, singular, scope)
		t.add(r.Kind, r.Name, singular, scope)
		t.addGuessed(r.Kind+"List", scope)
		t.realKinds[r.Kind] = true
		for _, sn := range r.ShortNames {
			t.shortNames[sn] = append(t.shortNames[sn], r.Name)
		}
		for _, c := range r.Categories {
			t.categories[c] = append(t.categories[c], r.Name)
		}
	}
	t.addGuessed("List", meta.RESTScopeRoot)
	return t
}

func (t *versionTables) add(kind, plural, singular string, scope meta.RESTScope) {
	t.pluralToSingular[plural] = singular
	t.resourceToKind[singular] = kind
	t.resourceToKind[plural] = kind
	t.kindToPlural[kind] = plural
	t.kindToScope[kind] = scope
}

func (t *versionTables) addGuessed(kind string, scope meta.RESTScope) {
	plural, singular := meta.UnsafeGuessKindToResource(t.gv.WithKind(kind))
	t.add(kind, plural.Resource, singular.Resource, scope)
}

// kindHit is a kind served by one version of a group. Kinds that discovery
// names have their mapping built once, so that looking them up allocates
// nothing; the lower-case and list forms client-go adds are rarely asked
// for, and get theirs built on demand from plural and root.
type kindHit struct {
	vm      int32 // index into groupIndex.versions
	plural  int32 // index into groupIndex.strs
	root    bool  // cluster-scoped
	mapping *meta.RESTMapping
}

// nameHit is what a resource name (plural or singular) means in one version
// of a group. It is kept small: a large group has thousands.
type nameHit struct {
	vm int32 // index into groupIndex.versions
	// plurals[first:first+count] of the group are the plurals the name
	// matches, sorted, as client-go's ResourcesFor returns them.
	first, count int32
	// nameIsPlural says the name itself is one of them; client-go then
	// returns it when group and version are both given.
	nameIsPlural bool
	hasKind      bool // the name maps to a kind
	// ambiguousSingular says the plurals have more than one singular.
	ambiguousSingular bool
	// kind and singular index the group's strs.
	kind, singular int32
}

// span is a range of a slab.
type span struct{ first, count int32 }

// nameEntry is what a resource name means in a group: its hits, and the
// one ResourceFor without a version answers with when the group alone is in
// scope, chosen when the group is indexed so that the lookup does not rank.
type nameEntry struct {
	span
	// pick indexes groupIndex.nameHits; -1 when no hit has a plural or the
	// answer is ambiguous.
	pick int32
}

// groupIndex is the immutable index of one API group: every version that
// discovery served, and lookups by kind and by resource name across them.
// Hits live in per-group slabs and the maps hold ranges, so that a group
// costs a few allocations rather than one per name.
type groupIndex struct {
	name     string
	meta     groupMeta
	versions []*versionIndex // discovery order
	// prio ranks versions (by index) as client-go's priority list does:
	// 0 for the preferred version, then the others in discovery order.
	prio []int

	kinds    map[string]span // kind → kindHits, in version order
	kindHits []kindHit
	names    map[string]nameEntry // resource name → nameHits, in version order
	nameHits []nameHit
	plurals  []string
	strs     []string         // kinds, plurals and singulars of hits, each once
	strIndex map[string]int32 // only while indexing
	// shortNames and categories map to spans of expansions: resources at
	// the highest-priority version that serves them with that name.
	shortNames map[string]span
	categories map[string]span
	expansions []schema.GroupVersionResource
	// failed holds the versions whose discovery failed, with their causes.
	// Those versions are served from their last good data if there is any.
	failed map[schema.GroupVersion]error
}

func newGroupIndex(g groupMeta, versions []*versionIndex, failed map[schema.GroupVersion]error) *groupIndex {
	gi := &groupIndex{name: g.name, meta: g, versions: versions, failed: failed}
	gi.assignPriorities()
	tables := make([]*versionTables, len(versions))
	for i, v := range versions {
		tables[i] = newVersionTables(v)
	}
	gi.indexKinds(tables)
	gi.indexNames(tables)
	gi.shortNames = gi.byPriority(tables, func(t *versionTables) map[string][]string { return t.shortNames })
	gi.categories = gi.byPriority(tables, func(t *versionTables) map[string][]string { return t.categories })
	// Copies at their length free what appending left spare.
	gi.expansions = slices.Clone(gi.expansions)
	gi.strs = slices.Clone(gi.strs)
	gi.strIndex = nil // only needed while indexing
	return gi
}

func (gi *groupIndex) indexKinds(tables []*versionTables) {
	byKind := map[string][]int{} // kind → versions serving it, in order
	total, real := 0, 0
	for i, t := range tables {
		for kind := range t.kindToPlural {
			byKind[kind] = append(byKind[kind], i)
			total++
			if t.realKinds[kind] {
				real++
			}
		}
	}
	mappings := make([]meta.RESTMapping, 0, real)
	gi.kindHits = make([]kindHit, 0, total)
	gi.kinds = make(map[string]span, len(byKind))
	for kind, vms := range byKind {
		gi.kinds[kind] = span{int32(len(gi.kindHits)), int32(len(vms))}
		for _, i := range vms {
			t := tables[i]
			scope := t.kindToScope[kind]
			h := kindHit{vm: int32(i), plural: gi.intern(t.kindToPlural[kind]), root: scope == meta.RESTScopeRoot}
			if t.realKinds[kind] {
				mappings = append(mappings, meta.RESTMapping{
					Resource:         t.gv.WithResource(t.kindToPlural[kind]),
					GroupVersionKind: t.gv.WithKind(kind),
					Scope:            scope,
				})
				h.mapping = &mappings[len(mappings)-1]
			}
			gi.kindHits = append(gi.kindHits, h)
		}
	}
}

// mappingOf returns h's mapping of kind.
func (gi *groupIndex) mappingOf(h *kindHit, kind string) *meta.RESTMapping {
	if h.mapping != nil {
		return h.mapping
	}
	gv := gi.versions[h.vm].gv
	scope := meta.RESTScopeNamespace
	if h.root {
		scope = meta.RESTScopeRoot
	}
	return &meta.RESTMapping{Resource: gv.WithResource(gi.strs[h.plural]), GroupVersionKind: gv.WithKind(kind), Scope: scope}
}

// intern returns the index of s in gi.strs, adding it if needed.
func (gi *groupIndex) intern(s string) int32 {
	if gi.strIndex == nil {
		gi.strIndex = map[string]int32{}
	}
	i, ok := gi.strIndex[s]
	if !ok {
		i = int32(len(gi.strs))
		gi.strIndex[s] = i
		gi.strs = append(gi.strs, s)
	}
	return i
}

// indexNames inverts each version's plural→singular table into
// name → hit.
func (gi *groupIndex) indexNames(tables []*versionTables) {
	type entry struct {
		vm  int
		hit nameHit
		ps  []string
	}
	byName := map[string][]entry{}
	total, pluralCount := 0, 0
	intern := gi.intern
	for i, t := range tables {
		plurals := make(map[string][]string, 2*len(t.pluralToSingular))
		for plural, singular := range t.pluralToSingular {
			plurals[plural] = append(plurals[plural], plural)
			if singular != plural {
				plurals[singular] = append(plurals[singular], plural)
			}
		}
		for name, kind := range t.resourceToKind {
			ps := plurals[name]
			slices.Sort(ps)
			ps = slices.Compact(ps)
			h := nameHit{vm: int32(i), kind: intern(kind), hasKind: true}
			if len(ps) > 0 {
				_, h.nameIsPlural = t.pluralToSingular[name]
				singular := t.pluralToSingular[ps[0]]
				h.singular = intern(singular)
				for _, p := range ps[1:] {
					if t.pluralToSingular[p] != singular {
						h.ambiguousSingular = true
					}
				}
			}
			byName[name] = append(byName[name], entry{vm: i, hit: h, ps: ps})
			total++
			pluralCount += len(ps)
		}
		// Every plural and singular is in resourceToKind, so plurals has no
		// other names.
	}
	gi.nameHits = make([]nameHit, 0, total)
	gi.names = make(map[string]nameEntry, len(byName))
	gi.plurals = make([]string, 0, pluralCount)
	for name, entries := range byName {
		slices.SortFunc(entries, func(a, b entry) int { return a.vm - b.vm })
		for _, e := range entries {
			e.hit.first, e.hit.count = int32(len(gi.plurals)), int32(len(e.ps))
			gi.plurals = append(gi.plurals, e.ps...)
			gi.nameHits = append(gi.nameHits, e.hit)
		}
		gi.names[name] = gi.rankHits(span{int32(len(gi.nameHits) - len(entries)), int32(len(entries))})
	}
}

// rankHits returns the name entry of the hits in s, with ResourceFor's
// choice among them made as pickResource makes it.
func (gi *groupIndex) rankHits(s span) nameEntry {
	plurals, best, last := int32(0), int32(-1), int32(-1)
	for i := s.first; i < s.first+s.count; i++ {
		h := &gi.nameHits[i]
		if h.count == 0 {
			continue
		}
		plurals += h.count
		last = i
		if best < 0 || gi.rank(h) < gi.rank(&gi.nameHits[best]) {
			best = i
		}
	}
	e := nameEntry{span: s, pick: -1}
	switch {
	case plurals == 1:
		e.pick = last
	case best >= 0 && gi.nameHits[best].count == 1:
		e.pick = best
	}
	return e
}

// pick returns the hit whose first plural ResourceFor answers for name
// when the group alone is in scope and no version is given; nil when there
// is no hit or the answer is ambiguous.
func (gi *groupIndex) pick(name string) *nameHit {
	if e, ok := gi.names[name]; ok && e.pick >= 0 {
		return &gi.nameHits[e.pick]
	}
	return nil
}

// rank is h's rank within its group; see rank in order.go.
func (gi *groupIndex) rank(h *nameHit) int { return rank(0, gi, int(h.vm)) }

// byPriority merges a per-version name → plurals table over the group's
// versions into spans of gi.expansions, keeping each resource once, at its
// best version.
func (gi *groupIndex) byPriority(tables []*versionTables, table func(*versionTables) map[string][]string) map[string]span {
	order := make([]int, len(gi.versions))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return gi.prio[a] - gi.prio[b] })
	merged := map[string][]schema.GroupVersionResource{}
	var names []string // first-seen order, so that the slab is deterministic
	for _, i := range order {
		t := tables[i]
		for name, plurals := range table(t) {
			if _, ok := merged[name]; !ok {
				names = append(names, name)
			}
			for _, p := range plurals {
				if !slices.ContainsFunc(merged[name], func(r schema.GroupVersionResource) bool { return r.Resource == p }) {
					merged[name] = append(merged[name], t.gv.WithResource(p))
				}
			}
		}
	}
	out := make(map[string]span, len(merged))
	for _, name := range names {
		out[name] = span{int32(len(gi.expansions)), int32(len(merged[name]))}
		gi.expansions = append(gi.expansions, merged[name]...)
	}
	return out
}

// expansionsOf returns the spans's resources in gi.expansions.
func (gi *groupIndex) expansionsOf(table map[string]span, name string) []schema.GroupVersionResource {
	s, ok := table[name]
	if !ok {
		return nil
	}
	return gi.expansions[s.first : s.first+s.count]
}

// hits returns the name hits of a resource name, in version order.
func (gi *groupIndex) hits(name string) []nameHit {
	e, ok := gi.names[name]
	if !ok {
		return nil
	}
	return gi.nameHits[e.first : e.first+e.count]
}

// kindHitsOf returns the versions serving a kind, in version order.
func (gi *groupIndex) kindHitsOf(kind string) []kindHit {
	s, ok := gi.kinds[kind]
	if !ok {
		return nil
	}
	return gi.kindHits[s.first : s.first+s.count]
}

func (gi *groupIndex) gv(h *nameHit) schema.GroupVersion { return gi.versions[h.vm].gv }

// resource returns the i-th plural h matches.
func (gi *groupIndex) resource(h *nameHit, i int32) schema.GroupVersionResource {
	return gi.gv(h).WithResource(gi.plurals[h.first+i])
}

// exact is the one plural client-go returns for name when group and version
// are both given.
func (gi *groupIndex) exact(h *nameHit, name string) schema.GroupVersionResource {
	if h.nameIsPlural {
		return gi.gv(h).WithResource(name)
	}
	return gi.resource(h, 0)
}

// resources returns every plural h matches.
func (gi *groupIndex) resources(h *nameHit) []schema.GroupVersionResource {
	out := make([]schema.GroupVersionResource, h.count)
	for i := range out {
		out[i] = gi.resource(h, int32(i))
	}
	return out
}

func (gi *groupIndex) kindOf(h *nameHit) schema.GroupVersionKind {
	return gi.gv(h).WithKind(gi.strs[h.kind])
}

func (gi *groupIndex) singularOf(h *nameHit) string { return gi.strs[h.singular] }
