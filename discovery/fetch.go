package discovery

import (
	"context"
	"fmt"
	"net/http"
)

// response is one discovery answer as the cache needs it.
type response struct {
	notModified bool // 304: the validator sent still holds; no body
	contentType string
	etag        string
	body        []byte
}

// get performs one GET of a discovery document. A non-empty etag makes it
// conditional. Errors name the path: "discovery: get /apis/x/v1: ...", and
// wrap the rest client's error (an *apierrors.StatusError for an HTTP failure).
func (c *Client) get(ctx context.Context, path, accept, etag string) (*response, error) {
	req := c.rc.Get().AbsPath(path).SetHeader("Accept", accept)
	if etag != "" {
		req.SetHeader("If-None-Match", etag)
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
