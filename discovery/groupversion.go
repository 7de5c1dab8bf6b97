package discovery

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// refreshGV returns the refresh of one legacy group-version document: from
// the disk cache when it is younger than the TTL, else from the server
// (conditionally when an ETag is known). The entry is recorded, and then
// marked fresh, for the caller to publish (Client.current); a failure is
// recorded next to the last good list and is not marked fresh, so the next
// call tries again.
func (c *Client) refreshGV(gv schema.GroupVersion) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		if c.isFresh(gvKey(gv)) {
			return nil, nil // refreshed by the flight that ended just before this one
		}
		gen, ticket := c.gen.Load(), c.tickets.Add(1)
		prev := c.entry(gv)
		if prev == nil {
			if list, age, ok := c.disk.loadGV(gv); ok {
				prev = &gvEntry{list: list, ticket: ticket}
				if c.diskTrusted.Load() && age < c.opts.TTL {
					c.record(gv, prev)
					c.markFresh(gvKey(gv), age, gen)
					return nil, nil
				}
			}
		}
		e := c.fetchGV(ctx, gv, prev)
		e.ticket = ticket
		c.record(gv, e)
		if e.err == nil {
			c.markFresh(gvKey(gv), 0, gen)
		}
		return nil, e.err
	}
}

// fetchGV gets gv's legacy document. On failure the entry keeps prev's list.
func (c *Client) fetchGV(ctx context.Context, gv schema.GroupVersion, prev *gvEntry) *gvEntry {
	var last *metav1.APIResourceList
	var etag string
	if prev != nil && prev.list != nil {
		last, etag = prev.list, prev.etag
	}
	path := gvPath(gv)
	resp, err := c.get(ctx, path, acceptJSON, etag)
	if err != nil {
		return &gvEntry{list: last, etag: etag, err: err}
	}
	if resp.notModified {
		return &gvEntry{list: last, etag: etag}
	}
	list, err := c.opts.Store.list(gv, resp.body, func() (*metav1.APIResourceList, error) { return parseResourceList(resp.body, gv) })
	if err != nil {
		return &gvEntry{list: last, etag: etag, err: fmt.Errorf("discovery: get %s: %w", path, err)}
	}
	c.disk.saveGV(gv, resp.body)
	return &gvEntry{list: list, etag: resp.etag}
}
