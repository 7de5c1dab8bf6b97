package cache

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/dynamic"
)

// Cache is a set of informers over one API server, at most one per
// resource and selection, created on first request and shared by everyone
// who asks for the same. It is safe for concurrent use.
type Cache struct {
	dyn    *dynamic.Client
	lean   *dynamic.Client // dyn, decoding without managedFields
	mapper meta.RESTMapper
	opts   Options
	wl     watchListSupport

	ctx    context.Context // ends with Stop; the informers' parent
	cancel context.CancelFunc

	mu        sync.Mutex // guards informers and stopped
	informers map[informerKey]member
	stopped   bool
}

// member is an informer as the Cache files it, whatever its objects.
type member interface {
	State() State
	Stop()
	waitForState(ctx context.Context) error
	// filing returns the key of the kind as asked and the keys the Cache
	// files the informer under, which c.mu guards.
	filing() (asked informerKey, keys *[]informerKey)
}

// watchListSupport remembers that the API server refused a WatchList, so
// that the informers of this Cache list instead from then on.
type watchListSupport struct {
	refused atomic.Bool
}

func (s *watchListSupport) refuse(error) { s.refused.Store(true) }

// informerKey names an informer: its resource (or, until the kind has been
// mapped, the kind asked for), what it selects and what it keeps of each
// object.
type informerKey struct {
	gvr               schema.GroupVersionResource
	gvk               schema.GroupVersionKind // set only while gvr is unknown
	namespace         string
	labels, fields    string // canonical forms
	keepManagedFields bool
	form              form
}

// form is what an informer keeps of each object.
type form uint8

const (
	wholeObjects     form = iota // an Informer
	metadataAsObject             // an Informer with MetadataOnly: apiVersion, kind, metadata
	metadataTyped                // a MetadataInformer
)

// New returns a Cache that lists and watches through dyn and maps kinds to
// resources through mapper: kdyn's *restmapper.Mapper, which finds CRDs
// installed later on its own, or any meta.RESTMapper (one that can be reset
// is reset when it misses a kind, as dynamic.Mapped does). No request is
// made until an informer is asked for.
func New(dyn *dynamic.Client, mapper meta.RESTMapper, opts Options) *Cache {
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{dyn: dyn, lean: dyn.WithoutManagedFields(), mapper: mapper, opts: opts.withDefaults(), ctx: ctx, cancel: cancel,
		informers: map[informerKey]member{}}
}

// Informer returns the informer for gvk with opts, starting it if it is the
// first request for that resource and selection; asking again returns the
// same one. An empty gvk.Version takes the mapper's preferred version.
// With opts.MetadataOnly its objects hold apiVersion, kind and metadata
// only (see MetadataInformer for the leaner typed form).
//
// A kind the server does not serve yet is not an error: the informer is
// returned Waiting and starts when the mapper finds the kind. ctx bounds
// only the first lookup of the kind; the informer runs until its Stop or
// the Cache's. Errors: *OptionError for options that cannot be served,
// ErrStopped after Stop.
func (c *Cache) Informer(ctx context.Context, gvk schema.GroupVersionKind, opts InformerOptions) (*Informer, error) {
	if opts.MetadataOnly {
		return informerFor(ctx, c, gvk, opts, metadataAsObject, c.openMetadataAsObjects)
	}
	return informerFor(ctx, c, gvk, opts, wholeObjects, c.openWhole)
}

// MetadataInformer returns the metadata-only informer for gvk with opts
// (MetadataOnly is implied), as Informer does: it reads and keeps each
// object's metadata alone, as *metav1.PartialObjectMetadata, and shares
// nothing with the Informer of the same kind. opts.Transform must be nil:
// it takes unstructured objects (an *OptionError otherwise).
func (c *Cache) MetadataInformer(ctx context.Context, gvk schema.GroupVersionKind, opts InformerOptions) (*MetadataInformer, error) {
	opts.MetadataOnly = true
	if opts.Transform != nil {
		return nil, &OptionError{Kind: gvk, Field: "Transform",
			Reason: "a MetadataInformer takes no Transform, which works on unstructured objects; Informer with MetadataOnly takes one"}
	}
	return informerFor(ctx, c, gvk, opts, metadataTyped, c.openMetadata)
}

// informerFor returns the informer of form f for gvk with opts, starting
// it with open if it is new.
func informerFor[T Object](ctx context.Context, c *Cache, gvk schema.GroupVersionKind, opts InformerOptions, f form,
	open func(InformerOptions) opener[T]) (*InformerOf[T], error) {
	key, err := keyFor(gvk, opts, f)
	if err != nil {
		return nil, err
	}
	res, mapErr := c.resolve(ctx, gvk, opts)
	var oe *OptionError
	if errors.As(mapErr, &oe) {
		return nil, mapErr
	}
	if mapErr == nil {
		key.gvr, key.gvk = res.gvr, schema.GroupVersionKind{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, ErrStopped
	}
	if m := c.lookup(key, gvk); m != nil {
		inf := m.(*InformerOf[T]) // the key's form decides T
		if err := sameTransform(inf, gvk, opts); err != nil {
			return nil, err
		}
		return inf, nil
	}
	inf := newInformer(c, gvk, opts, unresolved(key, gvk), open(opts))
	c.register(inf, key)
	if mapErr == nil {
		c.register(inf, unresolved(key, gvk))
	}
	inf.start(c.ctx, res, mapErr)
	return inf, nil
}

// lookup finds the informer for key, or for the kind as asked while its
// resource was unknown. Called with c.mu held.
func (c *Cache) lookup(key informerKey, gvk schema.GroupVersionKind) member {
	if inf := c.informers[key]; inf != nil {
		return inf
	}
	return c.informers[unresolved(key, gvk)]
}

// register files inf under key unless another informer has it. Called with
// c.mu held.
func (c *Cache) register(inf member, key informerKey) {
	if _, taken := c.informers[key]; !taken {
		c.informers[key] = inf
		_, keys := inf.filing()
		*keys = append(*keys, key)
	}
}

// resolved files a Waiting informer under its resource once its kind is
// mapped, so that later requests that map the kind find it.
func (c *Cache) resolved(inf member, gvr schema.GroupVersionResource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || inf.State() == Stopped {
		return
	}
	key, _ := inf.filing()
	key.gvr, key.gvk = gvr, schema.GroupVersionKind{}
	c.register(inf, key)
}

// forget drops a stopped informer.
func (c *Cache) forget(inf member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, keys := inf.filing()
	for _, k := range *keys {
		if c.informers[k] == inf {
			delete(c.informers, k)
		}
	}
}

// Stop stops every informer (see Informer.Stop) and refuses new ones. It
// must not be called from a handler.
func (c *Cache) Stop() {
	c.mu.Lock()
	c.stopped = true
	var all []member
	seen := map[member]bool{}
	for _, inf := range c.informers {
		if !seen[inf] {
			seen[inf] = true
			all = append(all, inf)
		}
	}
	c.mu.Unlock()
	c.cancel()
	for _, inf := range all {
		inf.Stop()
	}
}

// WaitForSync waits until every informer of the Cache whose kind is served
// has synced: informers Waiting for their kind do not hold it back. It
// returns ctx's error if ctx ends first, ErrStopped if the Cache stops.
func (c *Cache) WaitForSync(ctx context.Context) error {
	for {
		c.mu.Lock()
		stopped := c.stopped
		var pending member
		for _, inf := range c.informers {
			if st := inf.State(); st == Syncing {
				pending = inf
				break
			}
		}
		c.mu.Unlock()
		if stopped {
			return ErrStopped
		}
		if pending == nil {
			return nil
		}
		if err := pending.waitForState(ctx); err != nil {
			return err
		}
	}
}

// keyFor checks opts and returns the key of the informer they ask for,
// before the kind is mapped.
func keyFor(gvk schema.GroupVersionKind, opts InformerOptions, f form) (informerKey, error) {
	if gvk.Kind == "" {
		return informerKey{}, &OptionError{Kind: gvk, Field: "Kind", Reason: "a kind is required"}
	}
	ls, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		return informerKey{}, &OptionError{Kind: gvk, Field: "LabelSelector", Reason: "invalid selector " + strconv.Quote(opts.LabelSelector), Err: err}
	}
	fs, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		return informerKey{}, &OptionError{Kind: gvk, Field: "FieldSelector", Reason: "invalid selector " + strconv.Quote(opts.FieldSelector), Err: err}
	}
	return informerKey{gvk: gvk, namespace: opts.Namespace, labels: ls.String(), fields: fs.String(),
		keepManagedFields: opts.KeepManagedFields, form: f}, nil
}

// unresolved is key for the kind as asked, resource unknown.
func unresolved(key informerKey, gvk schema.GroupVersionKind) informerKey {
	key.gvr, key.gvk = schema.GroupVersionResource{}, gvk
	return key
}

// sameTransform refuses a request for a running informer with another
// Transform than the one it was started with.
func sameTransform[T Object](inf *InformerOf[T], gvk schema.GroupVersionKind, opts InformerOptions) error {
	have, want := inf.opts.Transform, opts.Transform
	if (have == nil) == (want == nil) && (have == nil || reflect.ValueOf(have).Pointer() == reflect.ValueOf(want).Pointer()) {
		return nil
	}
	return &OptionError{Kind: gvk, Field: "Transform",
		Reason: "the informer for this resource and selection already runs with another Transform"}
}
