package discovery

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Groups returns the API groups the server serves: the core group "" (version
// v1) first, then the groups of /apis in the server's order, each with its
// versions in preference order, as client-go's ServerGroups has them.
// Entries whose names no API server can serve (a broken or hostile server's)
// are left out; GroupsAndResources names them.
//
// Cost: cold 2 requests (GET /api and /apis); warm 0 within the TTL, then 2
// conditional requests, answered 304 with no body when nothing changed. A
// cold start on a disk cache costs those 2 conditional requests. While
// aggregated discovery marks a group-version Stale, every call costs the 2
// conditional requests, so that the group is back on the first call after
// its server is.
func (c *Client) Groups(ctx context.Context) (*metav1.APIGroupList, error) {
	s, _, err := c.roots(ctx)
	if err != nil {
		return nil, err
	}
	return s.groups, nil
}

// Resources returns the resources of one group-version. When the last attempt
// to discover gv failed (a 503 from its aggregated API server, or a Stale
// entry in aggregated discovery), it returns the last good list, or nil if
// there never was one, together with a *PartialError naming gv. A
// group-version the server does not list yields an error that satisfies
// apierrors.IsNotFound.
//
// Cost with aggregated discovery: that of Groups, and nothing more. With
// legacy discovery: that of Groups plus 1 request for gv when its document is
// older than the TTL.
func (c *Client) Resources(ctx context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	s, _, err := c.roots(ctx)
	if err != nil {
		return nil, err
	}
	if s.listed[gv] && !s.aggregated(gv) {
		if !c.isFresh(gvKey(gv)) {
			if _, err := c.shared(ctx, gvKey(gv), c.refreshGV(gv)); ctx.Err() != nil {
				return nil, err
			}
		}
		// This refresh, or a concurrent one, recorded gv's entry, and marked
		// it fresh, after s was taken: read it from the newest snapshot.
		s = c.current()
	}
	e := s.gvs[gv]
	if e == nil {
		return nil, fmt.Errorf("discovery: %s is not served: %w", gv, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group}, gv.Version))
	}
	if e.err != nil {
		return e.list, &PartialError{Failed: map[schema.GroupVersion]error{gv: e.err}}
	}
	return e.list, nil
}

// GroupsAndResources returns every group and the resource lists of all their
// versions, in Groups order. Group-versions whose discovery failed are named
// in a *PartialError returned with the rest; their last good lists, if any,
// are included. So are, in its Invalid, the entries of /api or /apis (legacy
// or aggregated) that were left out because no API server can serve them.
//
// Cost with aggregated discovery: that of Groups. With legacy discovery: that
// of Groups plus 1 request for each group-version older than the TTL, at most
// Options.Parallelism at once: cold 2 + N.
func (c *Client) GroupsAndResources(ctx context.Context) ([]*metav1.APIGroup, []*metav1.APIResourceList, error) {
	s, invalid, err := c.roots(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.refreshLegacy(ctx, s)
	// The entries this call or a concurrent one recorded since s was taken,
	// published together.
	s = c.current()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	groups := make([]*metav1.APIGroup, len(s.groups.Groups))
	var lists []*metav1.APIResourceList
	for i := range s.groups.Groups {
		g := &s.groups.Groups[i]
		groups[i] = g
		for _, v := range g.Versions {
			if e := s.gvs[schema.GroupVersion{Group: g.Name, Version: v.Version}]; e != nil && e.list != nil {
				lists = append(lists, e.list)
			}
		}
	}
	failed := make(map[schema.GroupVersion]error)
	for gv, e := range s.gvs {
		if e.err != nil {
			failed[gv] = e.err
		}
	}
	return groups, lists, partialError(failed, invalid)
}

// refreshLegacy refreshes the legacy group-version documents of s that are
// older than the TTL, Options.Parallelism at a time, and records them for
// the client's next snapshot (not s, which is immutable), which the caller
// publishes in one step (Client.current).
func (c *Client) refreshLegacy(ctx context.Context, s *snapshot) {
	var g errgroup.Group
	g.SetLimit(c.opts.Parallelism)
	for _, gv := range s.versions() {
		if s.aggregated(gv) || c.isFresh(gvKey(gv)) {
			continue
		}
		if ctx.Err() != nil {
			break // do not start refreshes nobody waits for
		}
		g.Go(func() error {
			_, _ = c.shared(ctx, gvKey(gv), c.refreshGV(gv)) // the outcome is recorded for the snapshot
			return nil
		})
	}
	_ = g.Wait()
}

// PreferredResources returns, for each group-version that has resources, the
// resources whose version the server prefers, the answer of client-go's
// ServerPreferredResources: a resource served in several versions of a group
// is listed under the group's preferred version when that version serves it,
// else under the first version (in Groups order) that does. Subresources are
// left out. Lists keep the order of the server's documents, and a
// group-version whose resources are all preferred elsewhere yields an empty
// list. Failures are reported as by GroupsAndResources.
//
// Cost: that of GroupsAndResources.
func (c *Client) PreferredResources(ctx context.Context) ([]*metav1.APIResourceList, error) {
	groups, lists, err := c.GroupsAndResources(ctx)
	if err != nil && !isPartial(err) {
		return nil, err
	}
	byGV := make(map[string]*metav1.APIResourceList, len(lists))
	for _, l := range lists {
		byGV[l.GroupVersion] = l
	}
	var out []*metav1.APIResourceList
	for _, g := range groups {
		out = append(out, preferred(g, byGV)...)
	}
	return out, err
}

// preferred picks the preferred resources of one group.
func preferred(g *metav1.APIGroup, byGV map[string]*metav1.APIResourceList) []*metav1.APIResourceList {
	type pick struct{ list, index int } // index into out[list].APIResources of the source
	var (
		out    []*metav1.APIResourceList
		source []*metav1.APIResourceList
		picked = map[string]pick{}
	)
	for _, v := range g.Versions {
		in, ok := byGV[v.GroupVersion]
		if !ok {
			continue
		}
		out = append(out, &metav1.APIResourceList{GroupVersion: v.GroupVersion})
		source = append(source, in)
		for i, r := range in.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			if _, seen := picked[r.Name]; seen && v.Version != g.PreferredVersion.Version {
				continue
			}
			picked[r.Name] = pick{list: len(out) - 1, index: i}
		}
	}
	for li, in := range source {
		for i, r := range in.APIResources {
			if p, ok := picked[r.Name]; ok && p.list == li && p.index == i {
				out[li].APIResources = append(out[li].APIResources, r)
			}
		}
	}
	return out
}

func isPartial(err error) bool {
	_, ok := err.(*PartialError)
	return ok
}
