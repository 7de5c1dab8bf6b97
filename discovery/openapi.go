package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	openapi_v3 "github.com/google/gnostic-models/openapiv3"
	"github.com/patrickmn/go-cache"
	"google.golang.org/protobuf/proto"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Protobuf first: it is several times smaller and faster to decode than the
// JSON every server also offers.
const (
	acceptOpenAPIV2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf,application/json"
	acceptOpenAPIV3 = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf,application/json"
)

// Keys of Client.fresh for OpenAPI; a document of the v3 index is kept under
// openAPIV3DocKey + its URL.
const (
	openAPIV2Key    = "openapi/v2"
	openAPIV3Key    = "openapi/v3"
	openAPIV3DocKey = "openapi/v3 doc "
)

// validated is a document with the ETag that revalidates it.
type validated[T any] struct {
	val  T
	etag string
}

// OpenAPIV2 returns the server's OpenAPI v2 document from GET /openapi/v2,
// asked for as protobuf (JSON is accepted from servers that send only that).
//
// Cost: cold 1 request, a large body; warm 0 within the TTL, then 1
// conditional request, answered 304 with no body when nothing changed.
func (c *Client) OpenAPIV2(ctx context.Context) (*openapi_v2.Document, error) {
	return revalidate(ctx, c, openAPIV2Key, &c.openAPIV2, "/openapi/v2", acceptOpenAPIV2, decodeOpenAPIV2, nil)
}

func decodeOpenAPIV2(contentType string, body []byte) (*openapi_v2.Document, error) {
	if isProtobuf(contentType) {
		doc := new(openapi_v2.Document)
		if err := proto.Unmarshal(body, doc); err != nil {
			return nil, fmt.Errorf("decode protobuf: %w", err)
		}
		return doc, nil
	}
	return openapi_v2.ParseDocument(body)
}

// OpenAPIV3Paths returns the index of the server's OpenAPI v3 documents from
// GET /openapi/v3: each path ("api/v1", "apis/apps/v1") mapped to its
// server-relative URL, which carries a hash of the document's content.
//
// Cost: cold 1 request; warm 0 within the TTL, then 1 conditional request.
func (c *Client) OpenAPIV3Paths(ctx context.Context) (map[string]string, error) {
	return revalidate(ctx, c, openAPIV3Key, &c.openAPIV3, "/openapi/v3", "application/json", decodeOpenAPIV3Index, c.pruneOpenAPIV3)
}

func decodeOpenAPIV3Index(_ string, body []byte) (map[string]string, error) {
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &index); err != nil {
		return nil, fmt.Errorf("decode OpenAPI v3 index: %w", err)
	}
	paths := make(map[string]string, len(index.Paths))
	for p, v := range index.Paths {
		paths[p] = v.ServerRelativeURL
	}
	return paths, nil
}

// pruneOpenAPIV3 forgets the documents whose URL the new index no longer names.
func (c *Client) pruneOpenAPIV3(old, new map[string]string) {
	for p, u := range old {
		if new[p] != u {
			c.fresh.Delete(openAPIV3DocKey + u)
		}
	}
}

// OpenAPIV3 returns the OpenAPI v3 document of one path of OpenAPIV3Paths
// ("apis/apps/v1"). A path the index does not name yields an error that
// satisfies apierrors.IsNotFound.
//
// Documents are cached by their URL: it changes whenever the document does,
// so a cached document never needs revalidating. Cost: that of
// OpenAPIV3Paths, plus 1 request the first time a URL is asked for.
func (c *Client) OpenAPIV3(ctx context.Context, path string) (*openapi_v3.Document, error) {
	paths, err := c.OpenAPIV3Paths(ctx)
	if err != nil {
		return nil, err
	}
	u, ok := paths[path]
	if !ok {
		return nil, fmt.Errorf("discovery: no OpenAPI v3 document for %q: %w", path,
			apierrors.NewNotFound(schema.GroupResource{Resource: "openapi/v3"}, path))
	}
	key := openAPIV3DocKey + u
	if doc, ok := c.fresh.Get(key); ok {
		return doc.(*openapi_v3.Document), nil
	}
	doc, err := c.shared(ctx, key, func(ctx context.Context) (any, error) {
		if doc, ok := c.fresh.Get(key); ok {
			return doc, nil
		}
		resp, err := c.get(ctx, u, acceptOpenAPIV3, "")
		if err != nil {
			return nil, err
		}
		doc, err := decodeOpenAPIV3(resp.contentType, resp.body)
		if err != nil {
			return nil, fmt.Errorf("discovery: get %s: %w", u, err)
		}
		c.fresh.Set(key, doc, cache.NoExpiration)
		return doc, nil
	})
	if err != nil {
		return nil, err
	}
	return doc.(*openapi_v3.Document), nil
}

func decodeOpenAPIV3(contentType string, body []byte) (*openapi_v3.Document, error) {
	if isProtobuf(contentType) {
		doc := new(openapi_v3.Document)
		if err := proto.Unmarshal(body, doc); err != nil {
			return nil, fmt.Errorf("decode protobuf: %w", err)
		}
		return doc, nil
	}
	return openapi_v3.ParseDocument(body)
}

// isProtobuf tells a protobuf OpenAPI answer from a JSON one. The media type
// is not parsed with mime: "@" in "...spec.v2@v1.0+protobuf" is not a token
// character there.
func isProtobuf(contentType string) bool {
	base, _, _ := strings.Cut(contentType, ";")
	return strings.HasSuffix(strings.ToLower(strings.TrimSpace(base)), "protobuf")
}

// revalidate returns the document in slot while key is fresh, else fetches
// path (conditionally with the stored ETag) through one shared refresh.
// replaced, if not nil, is called with the old and new values when a fetched
// document replaces a stored one.
func revalidate[T any](ctx context.Context, c *Client, key string, slot *atomic.Pointer[validated[T]],
	path, accept string, decode func(contentType string, body []byte) (T, error), replaced func(old, new T)) (T, error) {
	if v := slot.Load(); v != nil && c.isFresh(key) {
		return v.val, nil
	}
	val, err := c.shared(ctx, key, func(ctx context.Context) (any, error) {
		prev := slot.Load()
		if prev != nil && c.isFresh(key) {
			return prev.val, nil
		}
		gen := c.gen.Load()
		var etag string
		if prev != nil {
			etag = prev.etag
		}
		resp, err := c.get(ctx, path, accept, etag)
		if err != nil {
			return nil, err
		}
		if resp.notModified && prev != nil {
			c.markFresh(key, 0, gen)
			return prev.val, nil
		}
		val, err := decode(resp.contentType, resp.body)
		if err != nil {
			return nil, fmt.Errorf("discovery: get %s: %w", path, err)
		}
		slot.Store(&validated[T]{val: val, etag: resp.etag})
		c.markFresh(key, 0, gen)
		if prev != nil && replaced != nil {
			replaced(prev.val, val)
		}
		return val, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return val.(T), nil
}
