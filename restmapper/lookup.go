package restmapper

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The snapshot methods below answer as client-go's PriorityRESTMapper over a
// MultiRESTMapper of one DefaultRESTMapper per group-version would. They
// assume the groups in the lookup's scope are loaded; a group that is not is
// treated as unknown.

// coerce normalizes a partial resource as client-go does before matching.
func coerce(r schema.GroupVersionResource) schema.GroupVersionResource {
	r.Resource = strings.ToLower(r.Resource)
	if r.Version == runtime.APIVersionInternal {
		r.Version = ""
	}
	return r
}

func errNoResource(r schema.GroupVersionResource) error {
	return fmt.Errorf("a resource must be present, got: %v", r)
}

// hasVersions reports whether any loaded group serves any version; with none,
// client-go has no mapper to complain about an empty resource.
func (s *snapshot) hasVersions() bool {
	for _, g := range s.groups {
		if g != nil && len(g.versions) > 0 {
			return true
		}
	}
	return false
}

// eachHit calls fn for every version in scope where the coerced resource r
// has a name hit, in client-go's mapper order (group list order, then
// discovery version order). fn returns false to stop.
func (s *snapshot) eachHit(r schema.GroupVersionResource, fn func(pos int, g *groupIndex, h *nameHit) bool) {
	ps, _ := s.positions(coercedScope(r), r.Resource)
	s.eachHitIn(ps, r, fn)
}

// eachHitIn is eachHit over the groups at positions ps.
func (s *snapshot) eachHitIn(ps []int, r schema.GroupVersionResource, fn func(pos int, g *groupIndex, h *nameHit) bool) {
	for _, p := range ps {
		g := s.groups[p]
		if g == nil {
			continue
		}
		hits := g.hits(r.Resource)
		for i := range hits {
			h := &hits[i]
			if r.Version != "" && g.gv(h).Version != r.Version {
				continue
			}
			if !fn(p, g, h) {
				return
			}
		}
	}
}

// resourcesOf returns the plurals a hit contributes to ResourcesFor.
func resourcesOf(r schema.GroupVersionResource, g *groupIndex, h *nameHit) []schema.GroupVersionResource {
	if h.count == 0 {
		return nil
	}
	if r.Group != "" && r.Version != "" {
		// With group and version client-go stops at the first match.
		return []schema.GroupVersionResource{g.exact(h, r.Resource)}
	}
	return g.resources(h)
}

func (s *snapshot) resourcesFor(in schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	r := coerce(in)
	if r.Resource == "" && s.hasVersions() {
		return nil, errNoResource(r)
	}
	var out []schema.GroupVersionResource
	s.eachHit(r, func(_ int, g *groupIndex, h *nameHit) bool {
		out = append(out, resourcesOf(r, g, h)...)
		return true
	})
	if len(out) == 0 {
		return nil, &meta.NoResourceMatchError{PartialResource: in}
	}
	return out, nil
}

// quickInGroup answers ResourceFor of a group-qualified resource from s
// alone if the answer is a hit in that one group; gv is nil otherwise. It
// returns the answer in parts, which the caller assembles: the answer is
// copied once rather than at every return.
func (s *snapshot) quickInGroup(in schema.GroupVersionResource) (gv *schema.GroupVersion, resource string) {
	if in.Group == "" {
		return nil, ""
	}
	name := strings.ToLower(in.Resource)
	version := in.Version
	if version == runtime.APIVersionInternal {
		version = ""
	}
	if version != "" {
		g := s.group(in.Group)
		if g == nil {
			return nil, ""
		}
		hits := g.hits(name)
		for i := range hits {
			if h := &hits[i]; h.count > 0 && g.gv(h).Version == version {
				if h.nameIsPlural {
					return &g.versions[h.vm].gv, name
				}
				return &g.versions[h.vm].gv, g.plurals[h.first]
			}
		}
		return nil, ""
	}
	// Without a version client-go searches every group whose name begins
	// with the group. Most group names begin no other's, so the scope is the
	// group alone and the ranking made when it was indexed decides.
	ps := s.list.prefixed[in.Group]
	if name == "" || len(ps) != 1 {
		return nil, ""
	}
	g := s.groups[ps[0]]
	if g == nil {
		return nil, ""
	}
	h := g.pick(name)
	if h == nil {
		return nil, ""
	}
	return &g.versions[h.vm].gv, g.plurals[h.first]
}

// quickResourceFor answers ResourceFor from s alone if s has every group the
// lookup needs and the answer is a hit; it allocates nothing.
func (s *snapshot) quickResourceFor(in schema.GroupVersionResource) (schema.GroupVersionResource, bool) {
	r := coerce(in)
	ps, ok := s.positions(coercedScope(r), r.Resource)
	if !ok || r.Resource == "" {
		return schema.GroupVersionResource{}, false
	}
	gvr, err := s.pickResource(in, r, ps)
	return gvr, err == nil
}

// resourceFor picks one resource without building the candidate list, so
// that a hit allocates nothing.
func (s *snapshot) resourceFor(in schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	r := coerce(in)
	if r.Resource == "" && s.hasVersions() {
		return schema.GroupVersionResource{}, errNoResource(r)
	}
	ps, _ := s.positions(coercedScope(r), r.Resource)
	return s.pickResource(in, r, ps)
}

// pickResource is resourceFor for the coerced r over the groups at ps.
func (s *snapshot) pickResource(in, r schema.GroupVersionResource, ps []int) (schema.GroupVersionResource, error) {
	count, best := 0, math.MaxInt
	var only, bestOnly schema.GroupVersionResource
	bestCount := int32(0)
	s.eachHitIn(ps, r, func(pos int, g *groupIndex, h *nameHit) bool {
		if h.count == 0 {
			return true
		}
		if r.Group != "" && r.Version != "" {
			count, only = count+1, g.exact(h, r.Resource)
			return true
		}
		count += int(h.count)
		only = g.resource(h, 0)
		if rk := rank(pos, g, int(h.vm)); rk < best {
			best, bestCount, bestOnly = rk, h.count, only
		}
		return true
	})
	switch {
	case count == 0:
		return schema.GroupVersionResource{}, &meta.NoResourceMatchError{PartialResource: in}
	case count == 1:
		return only, nil
	case bestCount == 1:
		return bestOnly, nil
	}
	all, _ := s.resourcesFor(in)
	return schema.GroupVersionResource{}, &meta.AmbiguousResourceError{PartialResource: in, MatchingResources: all}
}

func (s *snapshot) kindsFor(in schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	r := coerce(in)
	if r.Resource == "" && s.hasVersions() {
		return nil, errNoResource(r)
	}
	var out []schema.GroupVersionKind
	s.eachHit(r, func(_ int, g *groupIndex, h *nameHit) bool {
		if h.hasKind {
			out = append(out, g.kindOf(h))
		}
		return true
	})
	if len(out) == 0 {
		return nil, &meta.NoResourceMatchError{PartialResource: in}
	}
	return out, nil
}

// kindFor never reports ambiguity: each version maps a name to one kind, so
// the highest-priority version always decides.
func (s *snapshot) kindFor(in schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	r := coerce(in)
	if r.Resource == "" && s.hasVersions() {
		return schema.GroupVersionKind{}, errNoResource(r)
	}
	best := math.MaxInt
	var kind schema.GroupVersionKind
	s.eachHit(r, func(pos int, g *groupIndex, h *nameHit) bool {
		if h.hasKind {
			if rk := rank(pos, g, int(h.vm)); rk < best {
				best, kind = rk, g.kindOf(h)
			}
		}
		return true
	})
	if best == math.MaxInt {
		return schema.GroupVersionKind{}, &meta.NoResourceMatchError{PartialResource: in}
	}
	return kind, nil
}

// hasRealVersion reports whether versions names a version client-go would
// search; it skips empty and internal ones.
func hasRealVersion(versions []string) bool {
	for _, v := range versions {
		if v != "" && v != runtime.APIVersionInternal {
			return true
		}
	}
	return false
}

// mapping returns the preferred mapping of kind in g, or nil.
func (g *groupIndex) mapping(kind string, versions []string) *meta.RESTMapping {
	hits := g.kindHitsOf(kind)
	if len(hits) == 0 {
		return nil
	}
	if hasRealVersion(versions) {
		// The caller's versions come first, in the caller's order.
		for _, v := range versions {
			for i := range hits {
				if g.versions[hits[i].vm].gv.Version == v {
					return g.mappingOf(&hits[i], kind)
				}
			}
		}
		return nil
	}
	best := &hits[0]
	for i := range hits[1:] {
		if h := &hits[i+1]; g.prio[h.vm] < g.prio[best.vm] {
			best = h
		}
	}
	return g.mappingOf(best, kind)
}

func (s *snapshot) restMapping(gk schema.GroupKind, versions []string) (*meta.RESTMapping, error) {
	if g := s.group(gk.Group); g != nil {
		if m := g.mapping(gk.Kind, versions); m != nil {
			return m, nil
		}
	}
	return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
}

func (s *snapshot) restMappings(gk schema.GroupKind, versions []string) ([]*meta.RESTMapping, error) {
	var out []*meta.RESTMapping
	if g := s.group(gk.Group); g != nil {
		filter := hasRealVersion(versions)
		hits := g.kindHitsOf(gk.Kind)
		for i := range hits {
			if !filter || slices.Contains(versions, g.versions[hits[i].vm].gv.Version) {
				out = append(out, g.mappingOf(&hits[i], gk.Kind))
			}
		}
	}
	if len(out) == 0 {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	return out, nil
}

// resourceSingularizer asks each group-version in turn, as client-go's
// MultiRESTMapper does: the first that knows a single singular answers, and
// if none does, the last one's complaint is the error.
func (s *snapshot) resourceSingularizer(resource string) (string, error) {
	r := coerce(schema.GroupVersionResource{Resource: resource})
	if !s.hasVersions() {
		return "", nil
	}
	if r.Resource == "" {
		return resource, errNoResource(r)
	}
	var singular string
	found := false
	s.eachHit(r, func(_ int, g *groupIndex, h *nameHit) bool {
		if h.count > 0 && !h.ambiguousSingular {
			singular, found = g.singularOf(h), true
			return false
		}
		return true
	})
	if found {
		return singular, nil
	}
	if g, h := s.lastVersionHit(r.Resource); h != nil && h.count > 0 {
		return resource, fmt.Errorf("multiple possible singular resources (%v) found for %v", g.resources(h), resource)
	}
	return resource, &meta.NoResourceMatchError{PartialResource: r}
}

// lastVersionHit returns the hit of name in the last group-version of the
// mapper order, with its group, or nil.
func (s *snapshot) lastVersionHit(name string) (*groupIndex, *nameHit) {
	for p := len(s.groups) - 1; p >= 0; p-- {
		g := s.groups[p]
		if g == nil || len(g.versions) == 0 {
			continue
		}
		last := int32(len(g.versions) - 1)
		hits := g.hits(name)
		for i := range hits {
			if hits[i].vm == last {
				return g, &hits[i]
			}
		}
		return nil, nil
	}
	return nil, nil
}
