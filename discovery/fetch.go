package discovery

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// response is one discovery answer as the cache needs it.
type response struct {
	notModified bool // 304: the validator sent still holds; no body
	contentType string
	etag        string
	body        []byte
}

// get performs one GET of a discovery document at path, a server-relative
// URL that may carry a query (OpenAPI v3 documents have "?hash=..."). A
// non-empty etag makes it conditional. Errors name the path:
// "discovery: get /apis/x/v1: ...", and wrap the rest client's error (an
// *apierrors.StatusError for an HTTP failure, a *rest.TooLargeError for a
// document past rest.Limits.Discovery).
func (c *Client) get(ctx context.Context, path, accept, etag string) (*response, error) {
	u, err := url.Parse(path)
	if err != nil || u.IsAbs() || u.Host != "" {
		return nil, fmt.Errorf("discovery: get %s: not a server-relative URL", path)
	}
	// A discovery or OpenAPI document gets its own bound (Limits.Discovery,
	// 256 MiB by default): a path alone would be read as a list.
	req := c.rc.Get().AbsPath(u.Path).SetHeader("Accept", accept).ResponseLimit(c.rc.Limits().Discovery)
	for k, vs := range u.Query() {
		for _, v := range vs {
			req.Param(k, v)
		}
	}
	if etag != "" {
		req.SetHeader("If-None-Match", etag)
	}
	if c.opts.Gate != nil {
		release, err := c.opts.Gate(ctx)
		if err != nil {
			return nil, fmt.Errorf("discovery: get %s: %w", path, err)
		}
		defer release()
	}
	res := req.Do(ctx)
	if err := res.Error(); err != nil {
		return nil, fmt.Errorf("discovery: get %s: %w", path, err)
	}
	if res.StatusCode() == http.StatusNotModified {
		return &response{notModified: true, etag: etag}, nil
	}
	body, _ := res.Raw()
	return &response{contentType: res.ContentType(), etag: res.Header().Get("ETag"), body: body}, nil
}
