package restmapper

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// versionIndex is what client-go keeps in one DefaultRESTMapper: the mappings
// of a single group-version, built by the same sequence of additions so that
// later resources overwrite earlier ones exactly as they do there.
type versionIndex struct {
	gv schema.GroupVersion

	pluralToSingular map[string]string
	resourceToKind   map[string]string
	kindToPlural     map[string]string
	kindToScope      map[string]meta.RESTScope

	// For Expand, which kubectl serves from the raw discovery documents:
	shortNames map[string][]string // short name → plurals
	categories map[string][]string // category → plurals
}

func newVersionIndex(gv schema.GroupVersion, resources []metav1.APIResource) *versionIndex {
	v := &versionIndex{
		gv:               gv,
		pluralToSingular: make(map[string]string, 3*len(resources)+1),
		resourceToKind:   make(map[string]string, 4*len(resources)+2),
		kindToPlural:     make(map[string]string, 3*len(resources)+1),
		kindToScope:      make(map[string]meta.RESTScope, 3*len(resources)+1),
		shortNames:       make(map[string][]string),
		categories:       make(map[string][]string),
	}
	for i := range resources {
		r := &resources[i]
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
			_, guess := meta.UnsafeGuessKindToResource(gv.WithKind(r.Kind))
			singular = guess.Resource
		}
		v.add(strings.ToLower(r.Kind), r.Name, singular, scope)
		v.add(r.Kind, r.Name, singular, scope)
		v.addGuessed(r.Kind+"List", scope)
		for _, sn := range r.ShortNames {
			v.shortNames[sn] = append(v.shortNames[sn], r.Name)
		}
		for _, c := range r.Categories {
			v.categories[c] = append(v.categories[c], r.Name)
		}
	}
	v.addGuessed("List", meta.RESTScopeRoot)
	return v
}

func (v *versionIndex) add(kind, plural, singular string, scope meta.RESTScope) {
	v.pluralToSingular[plural] = singular
	v.resourceToKind[singular] = kind
	v.resourceToKind[plural] = kind
	v.kindToPlural[kind] = plural
	v.kindToScope[kind] = scope
}

func (v *versionIndex) addGuessed(kind string, scope meta.RESTScope) {
	plural, singular := meta.UnsafeGuessKindToResource(v.gv.WithKind(kind))
	v.add(kind, plural.Resource, singular.Resource, scope)
}

// kindHit is a kind served by one version of a group.
type kindHit struct {
	vm      int // index into groupIndex.versions
	mapping *meta.RESTMapping
}

// nameHit is what a resource name (plural or singular) means in one version
// of a group.
type nameHit struct {
	vm int // index into groupIndex.versions
	// resources are the plurals the name matches, sorted and without
	// duplicates, as client-go's ResourcesFor returns them for this version.
	resources []schema.GroupVersionResource
	// exact is the one plural client-go returns when group and version are
	// both given.
	exact schema.GroupVersionResource
	// kind is the kind the name maps to; hasKind says whether there is one.
	kind    schema.GroupVersionKind
	hasKind bool
	// singular is the singular of resources; ambiguousSingular says that
	// they have more than one.
	singular          string
	ambiguousSingular bool
}

// groupIndex is the immutable index of one API group: every version that
// discovery served, and lookups by kind and by resource name across them.
type groupIndex struct {
	name     string
	meta     groupMeta
	versions []*versionIndex // discovery order
	// prio ranks versions (by index) as client-go's priority list does:
	// 0 for the preferred version, then the others in discovery order.
	prio  []int
	kinds map[string][]kindHit
	names map[string][]nameHit
	// shortNames and categories map to the group's resources, each at the
	// highest-priority version that serves it with that name.
	shortNames map[string][]schema.GroupVersionResource
	categories map[string][]schema.GroupVersionResource
	// failed holds the versions whose discovery failed, with their causes.
	// Those versions are served from their last good data if there is any.
	failed map[schema.GroupVersion]error
}

func newGroupIndex(g groupMeta, versions []*versionIndex, failed map[schema.GroupVersion]error) *groupIndex {
	gi := &groupIndex{
		name:     g.name,
		meta:     g,
		versions: versions,
		kinds:    make(map[string][]kindHit),
		names:    make(map[string][]nameHit),
		failed:   failed,
	}
	gi.assignPriorities()
	gi.shortNames = gi.byPriority(func(v *versionIndex) map[string][]string { return v.shortNames })
	gi.categories = gi.byPriority(func(v *versionIndex) map[string][]string { return v.categories })
	for i, v := range versions {
		for kind, plural := range v.kindToPlural {
			gi.kinds[kind] = append(gi.kinds[kind], kindHit{vm: i, mapping: &meta.RESTMapping{
				Resource:         v.gv.WithResource(plural),
				GroupVersionKind: v.gv.WithKind(kind),
				Scope:            v.kindToScope[kind],
			}})
		}
		for name, hit := range namesOf(v) {
			hit.vm = i
			gi.names[name] = append(gi.names[name], hit)
		}
	}
	return gi
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

// byPriority merges a per-version name → plurals table over the group's
// versions, keeping each resource once, at its best version.
func (gi *groupIndex) byPriority(table func(*versionIndex) map[string][]string) map[string][]schema.GroupVersionResource {
	order := make([]int, len(gi.versions))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return gi.prio[a] - gi.prio[b] })
	out := make(map[string][]schema.GroupVersionResource)
	for _, i := range order {
		v := gi.versions[i]
		for name, plurals := range table(v) {
			for _, p := range plurals {
				if !slices.ContainsFunc(out[name], func(r schema.GroupVersionResource) bool { return r.Resource == p }) {
					out[name] = append(out[name], v.gv.WithResource(p))
				}
			}
		}
	}
	return out
}

// namesOf inverts one version's plural→singular table into name → hit.
func namesOf(v *versionIndex) map[string]nameHit {
	plurals := make(map[string][]string, 2*len(v.pluralToSingular))
	for plural, singular := range v.pluralToSingular {
		plurals[plural] = append(plurals[plural], plural)
		if singular != plural {
			plurals[singular] = append(plurals[singular], plural)
		}
	}
	hits := make(map[string]nameHit, len(v.resourceToKind))
	for name, kind := range v.resourceToKind {
		hits[name] = nameHit{kind: v.gv.WithKind(kind), hasKind: true}
	}
	for name, ps := range plurals {
		slices.Sort(ps)
		ps = slices.Compact(ps)
		hit := hits[name]
		hit.resources = make([]schema.GroupVersionResource, len(ps))
		for i, p := range ps {
			hit.resources[i] = v.gv.WithResource(p)
		}
		hit.exact = hit.resources[0]
		if _, ok := v.pluralToSingular[name]; ok {
			hit.exact = v.gv.WithResource(name)
		}
		hit.singular = v.pluralToSingular[ps[0]]
		for _, p := range ps[1:] {
			if v.pluralToSingular[p] != hit.singular {
				hit.ambiguousSingular = true
			}
		}
		hits[name] = hit
	}
	return hits
}
