package discovery

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/version"
)

// ServerVersion returns the server's version from GET /version.
//
// Cost: cold 1 request; warm 0 within the TTL, then 1 again.
func (c *Client) ServerVersion(ctx context.Context) (*version.Info, error) {
	if v, ok := c.fresh.Get(versionKey); ok {
		return v.(*version.Info), nil
	}
	v, err := c.shared(ctx, versionKey, c.fetchVersion)
	if err != nil {
		return nil, err
	}
	return v.(*version.Info), nil
}

func (c *Client) fetchVersion(ctx context.Context) (any, error) {
	if v, ok := c.fresh.Get(versionKey); ok {
		return v, nil
	}
	resp, err := c.get(ctx, "/version", acceptJSON, "")
	if err != nil {
		return nil, err
	}
	var info version.Info
	if err := json.Unmarshal(resp.body, &info); err != nil {
		return nil, fmt.Errorf("discovery: get /version: decode: %w", err)
	}
	c.fresh.SetDefault(versionKey, &info)
	return &info, nil
}
