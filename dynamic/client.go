package dynamic

import (
	"sync"

	"github.com/kdyn/kdyn/rest"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Options tune a Client. The zero value speaks JSON.
type Options struct {
	// CBOR asks for application/cbor responses (and application/cbor-seq
	// watch streams) and sends objects (Create, Update) as CBOR. A request
	// the server refuses for that (406 Not Acceptable, or 415 Unsupported
	// Media Type for a CBOR body) is resent in JSON, and its resource stays
	// on JSON for the life of the Client; other resources keep CBOR. Apply,
	// patches and DeleteOptions are always sent in their own content types.
	// Default false.
	CBOR bool
}

// Client reaches any resource of one API server. It is safe for concurrent use.
type Client struct {
	rc   *rest.Client
	opts Options
	json *jsonOnly // resources whose server refused CBOR
	// skipManagedFields leaves managedFields out of decoded JSON objects;
	// see WithoutManagedFields.
	skipManagedFields bool
}

// NewForConfig builds a Client with its own rest.Client from cfg.
func NewForConfig(cfg *rest.Config) (*Client, error) {
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return New(rc), nil
}

// New returns a JSON Client over rc.
func New(rc *rest.Client) *Client {
	return NewWithOptions(rc, Options{})
}

// NewWithOptions returns a Client over rc tuned by opts.
func NewWithOptions(rc *rest.Client, opts Options) *Client {
	return &Client{rc: rc, opts: opts, json: &jsonOnly{}}
}

// Resource returns the interface to gvr, cluster-wide or, after Namespace, in
// one namespace. No request is made.
func (c *Client) Resource(gvr schema.GroupVersionResource) NamespaceableResourceInterface {
	return &resource{c: c, gvr: gvr}
}

// jsonOnly records the resources whose server refused CBOR.
type jsonOnly struct {
	m sync.Map // schema.GroupVersionResource → struct{}
}

func (j *jsonOnly) has(gvr schema.GroupVersionResource) bool {
	_, ok := j.m.Load(gvr)
	return ok
}

func (j *jsonOnly) add(gvr schema.GroupVersionResource) { j.m.Store(gvr, struct{}{}) }
