package restmapper

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Expand resolves what a user typed on a kubectl command line to resources,
// by kubectl's rules, in this order:
//
//	category            "all"                        every resource in it, each group's at its preferred version
//	resource.version.group  "crontabs.v1.stable.example.com"
//	resource[.group]    "deployments", "deploy", "deployment", "Deployment", "deployments.apps"
//	Kind[.version.group] / Kind[.group]  "Deployment.v1.apps", "Deployment.apps"
//
// where a resource is a plural, a singular, a short name or a kind. Unlike
// kubectl, which warns and takes the first, a short name that names
// resources in several groups is a *meta.AmbiguousResourceError listing
// them. A name that matches nothing is a *meta.NoResourceMatchError.
//
// Expand needs every group's discovery: on first use it loads them all.
func (m *Mapper) Expand(ctx context.Context, arg string) ([]schema.GroupVersionResource, error) {
	if arg == "" {
		return nil, fmt.Errorf("restmapper: expand: empty resource name")
	}
	sc := scope{all: true}
	key := negKey{op: opExpand, name: arg}
	s, err := m.resolve(ctx, sc, "", key, func(s *snapshot) error { _, err := s.expand(arg); return err })
	if err != nil {
		return nil, err
	}
	out, err := s.expand(arg)
	return out, s.explain(sc, err)
}

func (s *snapshot) expand(arg string) ([]schema.GroupVersionResource, error) {
	if !strings.Contains(arg, ".") {
		if rs := s.category(strings.ToLower(arg)); len(rs) > 0 {
			return rs, nil
		}
	}
	parts := strings.SplitN(arg, ".", 3)
	if len(parts) == 3 {
		gvr, err := s.expandResource(schema.GroupVersionResource{Group: parts[2], Version: parts[1], Resource: parts[0]})
		if err == nil || meta.IsAmbiguousError(err) {
			return one(gvr, err)
		}
	}
	name, group, _ := strings.Cut(arg, ".")
	gvr, err := s.expandResource(schema.GroupVersionResource{Group: group, Resource: name})
	if err == nil || meta.IsAmbiguousError(err) {
		return one(gvr, err)
	}
	if len(parts) == 3 {
		if mp, err := s.restMapping(schema.GroupKind{Group: parts[2], Kind: parts[0]}, []string{parts[1]}); err == nil {
			return []schema.GroupVersionResource{mp.Resource}, nil
		}
	}
	if mp, err := s.restMapping(schema.GroupKind{Group: group, Kind: name}, nil); err == nil {
		return []schema.GroupVersionResource{mp.Resource}, nil
	}
	return nil, &meta.NoResourceMatchError{PartialResource: schema.GroupVersionResource{Group: group, Resource: name}}
}

func one(gvr schema.GroupVersionResource, err error) ([]schema.GroupVersionResource, error) {
	if err != nil {
		return nil, err
	}
	return []schema.GroupVersionResource{gvr}, nil
}

// expandResource resolves a plural, singular or kind as ResourceFor does,
// and failing that a short name.
func (s *snapshot) expandResource(r schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	gvr, err := s.resourceFor(r)
	if err == nil || !meta.IsNoMatchError(err) {
		return gvr, err
	}
	candidates := s.shortNameCandidates(coerce(r))
	switch len(candidates) {
	case 0:
		return schema.GroupVersionResource{}, err
	case 1:
		c := candidates[0]
		if r.Version != "" {
			c.Version = r.Version
		}
		return s.resourceFor(c)
	}
	return schema.GroupVersionResource{}, &meta.AmbiguousResourceError{PartialResource: r, MatchingResources: candidates}
}

// shortNameCandidates returns the resources r's name is a short name of,
// one per group-resource: in r's group if it has one, else in the groups
// with r's group as prefix, as kubectl looks.
func (s *snapshot) shortNameCandidates(r schema.GroupVersionResource) []schema.GroupVersionResource {
	lookIn := func(ps []int) []schema.GroupVersionResource {
		var out []schema.GroupVersionResource
		for _, p := range ps {
			if g := s.groups[p]; g != nil {
				out = append(out, g.expansionsOf(g.shortNames, r.Resource)...)
			}
		}
		return out
	}
	if r.Group == "" {
		return lookIn(s.list.all)
	}
	ps, _ := s.positions(scope{group: r.Group}, "")
	if out := lookIn(ps); len(out) > 0 {
		return out
	}
	return lookIn(s.list.withPrefix(r.Group))
}

// category returns the resources in category c, in group order.
func (s *snapshot) category(c string) []schema.GroupVersionResource {
	var out []schema.GroupVersionResource
	for _, g := range s.groups {
		if g != nil {
			out = append(out, g.expansionsOf(g.categories, c)...)
		}
	}
	return out
}
