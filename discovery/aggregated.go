package discovery

import (
	"encoding/json"
	"errors"
	"fmt"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// rootDoc is one parsed /api or /apis document in the shape of legacy
// discovery, whichever format the server sent.
type rootDoc struct {
	// groups are in server order; versions in preference order, stale ones
	// included (the snapshot decides whether to keep them).
	groups []metav1.APIGroup
	// resources holds every group-version's resources for an aggregated
	// document and is nil for a legacy one, whose resources are fetched per
	// group-version.
	resources map[schema.GroupVersion]*metav1.APIResourceList
	// stale names the group-versions an aggregated document marks Stale: the
	// server could not reach the API server that serves them.
	stale map[schema.GroupVersion]bool
	// invalid lists the entries an aggregated document left out (see
	// parseAggregated); parseServedRoot returns them.
	invalid []*InvalidEntryError
}

func (d *rootDoc) aggregated() bool { return d.resources != nil }

// parseAggregated decodes an APIGroupDiscoveryList in format f (formatV2 or
// formatV2Beta1) into the legacy shape, the way kube-apiserver itself derives
// its legacy documents:
//
//   - a resource becomes an APIResource whose Group, Version and Kind come from
//     responseKind ("" group and version mean the enclosing group-version, as in
//     legacy documents); a resource without a responseKind is left out, its
//     subresources kept;
//   - each subresource becomes "<resource>/<subresource>" with the parent's
//     scope, its own responseKind and verbs, and no singular name, as legacy
//     documents have it;
//   - a group's preferred version is its first version: the server lists them
//     in preference order;
//   - a group whose name no API server can serve ("../x", or none in /apis),
//     and a version that is invalid or listed twice, are left out and
//     recorded in the document's invalid entries, as decodeAPIGroupList
//     does for legacy documents; so is a group whose versions all are.
//
// What aggregated documents cannot say: storageVersionHash (left empty), and
// the per-group serverAddressByClientCIDRs. Kinds are passed on as sent; note
// that kube-apiserver spells out the group and version of custom resources'
// kinds in aggregated documents and leaves them empty (meaning the enclosing
// group-version) in legacy ones.
//
// path is the document's: "/api" or "/apis".
func parseAggregated(path string, body []byte, f format) (*rootDoc, error) {
	var list apidiscoveryv2.APIGroupDiscoveryList
	switch f {
	case formatV2:
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
	case formatV2Beta1:
		var old apidiscoveryv2beta1.APIGroupDiscoveryList
		if err := json.Unmarshal(body, &old); err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
		list = fromV2Beta1(&old)
	default:
		return nil, fmt.Errorf("not an aggregated format: %s", f)
	}
	doc := &rootDoc{
		groups:    make([]metav1.APIGroup, 0, len(list.Items)),
		resources: make(map[schema.GroupVersion]*metav1.APIResourceList),
		stale:     make(map[schema.GroupVersion]bool),
	}
	in := newInterner()
	for i := range list.Items {
		doc.addGroup(in, path, &list.Items[i])
	}
	return doc, nil
}

// addGroup adds g to d, leaving out and recording in d.invalid what no API
// server can serve. The group's name is checked before anything of it is
// added, so that a group left out leaves nothing behind.
func (d *rootDoc) addGroup(in *interner, path string, g *apidiscoveryv2.APIGroupDiscovery) {
	leaveOut := func(gv schema.GroupVersion, err error) {
		d.invalid = append(d.invalid, &InvalidEntryError{Path: path, GroupVersion: gv, Err: err})
	}
	if g.Name == "" && path != "/api" {
		leaveOut(schema.GroupVersion{}, errors.New("group without a name in APIGroupDiscoveryList"))
		return
	}
	if err := validateGroup(g.Name); err != nil {
		leaveOut(schema.GroupVersion{Group: g.Name}, err)
		return
	}
	group := metav1.APIGroup{Name: g.Name, Versions: make([]metav1.GroupVersionForDiscovery, 0, len(g.Versions))}
	for i := range g.Versions {
		v := &g.Versions[i]
		gv := schema.GroupVersion{Group: g.Name, Version: in.str(v.Version)}
		if err := validateVersion(gv); err != nil {
			leaveOut(gv, err)
			continue
		}
		if _, dup := d.resources[gv]; dup {
			leaveOut(gv, fmt.Errorf("group-version %s listed twice", gv))
			continue
		}
		list := resourceList(in, gv, v.Resources)
		group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: list.GroupVersion, Version: gv.Version})
		d.resources[gv] = list
		if v.Freshness == apidiscoveryv2.DiscoveryFreshnessStale {
			d.stale[gv] = true
		}
	}
	if len(group.Versions) == 0 && len(g.Versions) > 0 {
		return // every version was left out
	}
	if len(group.Versions) > 0 {
		group.PreferredVersion = group.Versions[0]
	}
	d.groups = append(d.groups, group)
}

// resourceList converts one group-version's resources, sharing repeated
// strings and lists through in. The list is allocated at its final size:
// a large cluster has thousands.
func resourceList(in *interner, gv schema.GroupVersion, rs []apidiscoveryv2.APIResourceDiscovery) *metav1.APIResourceList {
	out := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.String(),
		APIResources: make([]metav1.APIResource, 0, countResources(rs)),
	}
	for i := range rs {
		r := &rs[i]
		namespaced := r.Scope == apidiscoveryv2.ScopeNamespace
		if kind := r.ResponseKind; hasKind(kind) {
			out.APIResources = append(out.APIResources, metav1.APIResource{
				Name:         in.str(r.Resource),
				SingularName: in.str(r.SingularResource),
				Namespaced:   namespaced,
				Group:        in.str(kind.Group),
				Version:      in.str(kind.Version),
				Kind:         in.str(kind.Kind),
				Verbs:        in.list(r.Verbs),
				ShortNames:   in.list(r.ShortNames),
				Categories:   in.list(r.Categories),
			})
		}
		for j := range r.Subresources {
			sub := &r.Subresources[j]
			kind := sub.ResponseKind
			if !hasKind(kind) {
				continue
			}
			out.APIResources = append(out.APIResources, metav1.APIResource{
				Name:       r.Resource + "/" + sub.Subresource,
				Namespaced: namespaced,
				Group:      in.str(kind.Group),
				Version:    in.str(kind.Version),
				Kind:       in.str(kind.Kind),
				Verbs:      in.list(sub.Verbs),
			})
		}
	}
	return out
}

// hasKind reports whether a resource or subresource has a response kind;
// those without one are left out of the legacy shape.
func hasKind(kind *metav1.GroupVersionKind) bool {
	return kind != nil && *kind != (metav1.GroupVersionKind{})
}

// countResources is how many APIResources resourceList makes of rs.
func countResources(rs []apidiscoveryv2.APIResourceDiscovery) int {
	n := 0
	for i := range rs {
		if hasKind(rs[i].ResponseKind) {
			n++
		}
		for j := range rs[i].Subresources {
			if hasKind(rs[i].Subresources[j].ResponseKind) {
				n++
			}
		}
	}
	return n
}

// fromV2Beta1 converts the v2beta1 list, identical in shape to v2, into v2.
func fromV2Beta1(in *apidiscoveryv2beta1.APIGroupDiscoveryList) apidiscoveryv2.APIGroupDiscoveryList {
	out := apidiscoveryv2.APIGroupDiscoveryList{Items: make([]apidiscoveryv2.APIGroupDiscovery, len(in.Items))}
	for i, g := range in.Items {
		og := &out.Items[i]
		og.ObjectMeta = g.ObjectMeta
		og.Versions = make([]apidiscoveryv2.APIVersionDiscovery, len(g.Versions))
		for j, v := range g.Versions {
			ov := &og.Versions[j]
			ov.Version = v.Version
			ov.Freshness = apidiscoveryv2.DiscoveryFreshness(v.Freshness)
			ov.Resources = make([]apidiscoveryv2.APIResourceDiscovery, len(v.Resources))
			for k, r := range v.Resources {
				ov.Resources[k] = apidiscoveryv2.APIResourceDiscovery{
					Resource:         r.Resource,
					ResponseKind:     r.ResponseKind,
					Scope:            apidiscoveryv2.ResourceScope(r.Scope),
					SingularResource: r.SingularResource,
					Verbs:            r.Verbs,
					ShortNames:       r.ShortNames,
					Categories:       r.Categories,
					Subresources:     fromV2Beta1Subresources(r.Subresources),
				}
			}
		}
	}
	return out
}

func fromV2Beta1Subresources(in []apidiscoveryv2beta1.APISubresourceDiscovery) []apidiscoveryv2.APISubresourceDiscovery {
	if in == nil {
		return nil
	}
	out := make([]apidiscoveryv2.APISubresourceDiscovery, len(in))
	for i, s := range in {
		out[i] = apidiscoveryv2.APISubresourceDiscovery{
			Subresource:   s.Subresource,
			ResponseKind:  s.ResponseKind,
			AcceptedTypes: s.AcceptedTypes,
			Verbs:         s.Verbs,
		}
	}
	return out
}
