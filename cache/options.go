package cache

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Options tune a Cache. The zero value works; each field says its default.
type Options struct {
	// MinBackoff is the first wait after a failed list or watch; each
	// further failure doubles it, up to MaxBackoff, and every wait is
	// jittered between half and all of it, so informers that failed
	// together do not retry together. A watch that delivers events resets
	// it. Default 250 ms.
	MinBackoff time.Duration
	// MaxBackoff caps the backoff. Default 30 s.
	MaxBackoff time.Duration
	// KindPollInterval is the first wait between two lookups of a kind the
	// mapper does not know yet (or that the server stopped serving); it
	// doubles up to MaxBackoff while the kind stays away. kdyn's restmapper
	// answers repeated misses from its negative cache, so a lookup rarely
	// costs a request; a kind the mapper still maps after its CRD was
	// deleted costs one request (answered 404) per lookup. Default 1 s.
	KindPollInterval time.Duration
	// PageSize is the limit of each page when an informer lists instead of
	// using WatchList. Default 500.
	PageSize int64
	// DisableWatchList makes every informer list page by page and watch
	// from the list's resourceVersion, as it does once the server has
	// refused a WatchList. Default false: WatchList first.
	DisableWatchList bool
	// WatchListIdleTimeout ends a WatchList whose initial events stall for
	// this long without the bookmark that ends them: a server that ignores
	// sendInitialEvents streams the objects but never that bookmark. The
	// informer then lists instead, and the Cache stops asking for
	// WatchList. Default 15 s.
	WatchListIdleTimeout time.Duration
	// WatchTimeout is the shortest server-side timeout asked for a watch
	// (timeoutSeconds); each watch asks for a random one between it and
	// twice it, so watches do not end together, and resumes from where it
	// ended. Default 5 min.
	WatchTimeout time.Duration
	// WatchIdleTimeout restarts a watch that has delivered nothing, not even
	// a bookmark, for this long: its connection may be dead without either
	// side knowing. API servers send a bookmark about every minute to a
	// watch that asks for them, as informers do. Default 3 min.
	WatchIdleTimeout time.Duration
	// RequestTimeout bounds each list page request. Default 1 min.
	RequestTimeout time.Duration
	// ListGate, if not nil, is called before each informer reads its
	// kind's complete state (a WatchList's initial events, or a list read
	// page by page) and must return when it may, with the function to call
	// once the state is read, or ctx's error; a fleet of clusters bounds
	// and spreads the lists of all their caches with it (fleet.ListGate).
	// Default nil: every informer reads at once.
	ListGate func(ctx context.Context) (release func(), err error)
}

func (o Options) withDefaults() Options {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.KindPollInterval <= 0 {
		o.KindPollInterval = time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.WatchListIdleTimeout <= 0 {
		o.WatchListIdleTimeout = 15 * time.Second
	}
	if o.WatchTimeout <= 0 {
		o.WatchTimeout = 5 * time.Minute
	}
	if o.WatchIdleTimeout <= 0 {
		o.WatchIdleTimeout = 3 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = time.Minute
	}
	return o
}

// InformerOptions choose what an informer holds. The zero value holds
// every object of the kind, in all namespaces, without managedFields.
type InformerOptions struct {
	// Namespace limits the informer to one namespace. "" means all
	// namespaces (and is required for a cluster-scoped kind).
	Namespace string
	// LabelSelector and FieldSelector limit the objects, in the syntax of
	// ListOptions (e.g. "app=web,tier!=cache", "status.phase=Running").
	// "" selects everything.
	LabelSelector string
	FieldSelector string
	// MetadataOnly makes the informer read and keep each object's metadata
	// alone (name, namespace, labels, annotations, owners, finalizers,
	// resourceVersion...), without spec or status: it asks the server for
	// PartialObjectMetadata, protobuf first, which works for every kind,
	// custom resources included. Through Cache.Informer the objects are
	// *unstructured.Unstructured holding apiVersion, kind and metadata, so
	// that code written for whole objects keeps its signatures;
	// Cache.MetadataInformer, which implies it, keeps them as
	// *metav1.PartialObjectMetadata instead, in about half the memory. A
	// metadata-only informer is a separate informer from the one of whole
	// objects of the same kind and selection: they share nothing.
	MetadataOnly bool
	// KeepManagedFields keeps metadata.managedFields on the cached objects.
	// By default they are dropped: they are a large share of most objects
	// and controllers rarely read them. Informers that differ only in this
	// are separate informers.
	KeepManagedFields bool
	// Transform, if set, is applied to each object received before it is
	// stored (after managedFields are dropped): it may trim or rewrite the
	// object in place or return another one, which the informer then owns
	// and shares with nothing else. Its result is what the store
	// holds and handlers receive. Returning an error drops that object from
	// this event (the error shows in Stats.LastError). The Transform of the
	// first call for an informer stays: a later call for the same informer
	// must pass the same function (nil if the first passed none), or gets
	// an *OptionError. Called from one goroutine per informer.
	Transform func(*unstructured.Unstructured) (*unstructured.Unstructured, error)
}
