package restmapper

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Discovery is what the mapper needs from a discovery client;
// *discovery.Client implements it.
type Discovery interface {
	// Groups returns the core group ("" with v1) first, then the /apis
	// groups in server order, each with its PreferredVersion set. It may
	// return data together with an error naming failed group-versions.
	Groups(ctx context.Context) (*metav1.APIGroupList, error)
	// Resources returns the resources of gv. It may return data (the last
	// good data) together with an error.
	Resources(ctx context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error)
	// InvalidateGroup makes the next Groups revalidate the group list and
	// the next Resources of group refetch.
	InvalidateGroup(group string)
}

// Options configures a Mapper. The zero value gives the defaults.
type Options struct {
	// MinBackoff is how long a lookup that missed even after a refresh is
	// answered from memory before the next miss may refresh again. Each
	// further miss doubles it. If zero, 1 s.
	MinBackoff time.Duration
	// MaxBackoff caps the doubling of MinBackoff. If zero, 1 min.
	MaxBackoff time.Duration
	// RefreshTimeout bounds a discovery load shared by concurrent lookups;
	// it runs detached from any one caller's context. If zero, 30 s.
	RefreshTimeout time.Duration
	// Parallelism bounds the concurrent Resources calls when many groups
	// are loaded at once. If zero, 8.
	Parallelism int
	// Store, if not nil, shares indexes with the other Mappers given the
	// same Store that read the same discovery documents (see Store). nil
	// keeps everything to this Mapper.
	Store *Store
}

func (o Options) withDefaults() Options {
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.RefreshTimeout <= 0 {
		o.RefreshTimeout = 30 * time.Second
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 8
	}
	return o
}

// Mapper is a lazy, self-refreshing meta.RESTMapper over discovery. It is
// safe for concurrent use; lookups that hit take no lock and allocate
// nothing.
//
// Cost: the first lookup makes one Groups call and one Resources call per
// version of the group it needs (every group for a lookup without a group).
// A lookup that misses invalidates and reloads the groups it searched once,
// shared with concurrent lookups, and is then remembered for a backoff
// (Options.MinBackoff, doubling up to Options.MaxBackoff) during which
// repeating it makes no discovery call.
//
// The *meta.RESTMapping values it returns are shared: callers must not
// modify them.
type Mapper struct {
	d    Discovery
	opts Options
	now  func() time.Time // replaced by tests

	snap   atomic.Pointer[snapshot]
	gen    atomic.Uint64 // bumped by Reset; loads started before it are dropped
	mu     sync.Mutex    // serializes publishing snapshots; never held during discovery calls
	flight singleflight.Group
	neg    *negativeCache
}

var (
	_ meta.RESTMapper            = (*Mapper)(nil)
	_ meta.RESTMapperWithContext = (*Mapper)(nil)
	_ meta.ResettableRESTMapper  = (*Mapper)(nil)
)

// New returns a Mapper that reads discovery through d when it first needs to.
func New(d Discovery, opts Options) *Mapper {
	opts = opts.withDefaults()
	return &Mapper{
		d:    d,
		opts: opts,
		now:  time.Now,
		neg:  newNegativeCache(opts.MinBackoff, opts.MaxBackoff),
	}
}

// Reset forgets everything the mapper knows, including remembered misses,
// and invalidates the discovery data of every group it knew, so that the
// next lookups read discovery afresh.
func (m *Mapper) Reset() {
	m.mu.Lock()
	m.gen.Add(1)
	old := m.snap.Swap(nil)
	m.mu.Unlock()
	m.neg.clear()
	if old != nil && old.list != nil {
		for _, g := range old.list.groups {
			m.d.InvalidateGroup(g.name)
		}
	}
}

// KindForWithContext returns the kind of the partial resource, choosing by
// client-go's priority when several versions serve it.
func (m *Mapper) KindForWithContext(ctx context.Context, resource schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	// The fast path is spelled out: through answer, the closure would escape.
	if s := m.snap.Load(); s != nil && s.covers(resourceScope(resource), resource.Resource) {
		if k, err := s.kindFor(resource); err == nil {
			return k, nil
		}
	}
	return answer(ctx, m, resourceScope(resource), resource.Resource, resourceKey(opKindFor, resource),
		func(s *snapshot) (schema.GroupVersionKind, error) { return s.kindFor(resource) })
}

// KindsForWithContext returns every kind the partial resource may mean, in
// client-go's mapper order.
func (m *Mapper) KindsForWithContext(ctx context.Context, resource schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	return answer(ctx, m, resourceScope(resource), resource.Resource, resourceKey(opKindsFor, resource),
		func(s *snapshot) ([]schema.GroupVersionKind, error) { return s.kindsFor(resource) })
}

// ResourceForWithContext returns the resource the partial resource means,
// choosing by client-go's priority; it fails with *meta.AmbiguousResourceError
// if the highest-priority version has several.
func (m *Mapper) ResourceForWithContext(ctx context.Context, input schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	if s := m.snap.Load(); s != nil && s.list != nil {
		if gv, resource := s.quickInGroup(input); gv != nil {
			return gv.WithResource(resource), nil
		}
		if r, ok := s.quickResourceFor(input); ok {
			return r, nil
		}
	}
	return answer(ctx, m, resourceScope(input), input.Resource, resourceKey(opResourceFor, input),
		func(s *snapshot) (schema.GroupVersionResource, error) { return s.resourceFor(input) })
}

// ResourcesForWithContext returns every resource the partial resource may
// mean, in client-go's mapper order.
func (m *Mapper) ResourcesForWithContext(ctx context.Context, input schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	return answer(ctx, m, resourceScope(input), input.Resource, resourceKey(opResourcesFor, input),
		func(s *snapshot) ([]schema.GroupVersionResource, error) { return s.resourcesFor(input) })
}

// RESTMappingWithContext returns the preferred mapping of gk: the first of
// versions that serves it, or without versions, the group's preferred
// version that does.
func (m *Mapper) RESTMappingWithContext(ctx context.Context, gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	if s := m.snap.Load(); s != nil && s.list != nil {
		if g := s.group(gk.Group); g != nil {
			if mp := g.mapping(gk.Kind, versions); mp != nil {
				return mp, nil
			}
		}
	}
	// A copy keeps the caller's versions from escaping, so that the fast
	// path above allocates nothing even when versions are given.
	vs := slices.Clone(versions)
	return answer(ctx, m, scope{group: gk.Group}, "", kindKey(opMapping, gk, vs),
		func(s *snapshot) (*meta.RESTMapping, error) { return s.restMapping(gk, vs) })
}

// RESTMappingsWithContext returns the mappings of gk in every version that
// serves it (limited to versions, if given), in discovery order.
func (m *Mapper) RESTMappingsWithContext(ctx context.Context, gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return answer(ctx, m, scope{group: gk.Group}, "", kindKey(opMappings, gk, versions),
		func(s *snapshot) ([]*meta.RESTMapping, error) { return s.restMappings(gk, versions) })
}

// ResourceSingularizerWithContext returns the singular of a resource name;
// on failure it returns the name unchanged, as client-go does.
func (m *Mapper) ResourceSingularizerWithContext(ctx context.Context, resource string) (string, error) {
	singular, err := answer(ctx, m, scope{all: true}, "", resourceKey(opSingular, schema.GroupVersionResource{Resource: resource}),
		func(s *snapshot) (string, error) { return s.resourceSingularizer(resource) })
	if err != nil {
		return resource, err
	}
	return singular, nil
}

// KindFor is KindForWithContext without a context.
func (m *Mapper) KindFor(resource schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	return m.KindForWithContext(context.Background(), resource)
}

// KindsFor is KindsForWithContext without a context.
func (m *Mapper) KindsFor(resource schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	return m.KindsForWithContext(context.Background(), resource)
}

// ResourceFor is ResourceForWithContext without a context.
func (m *Mapper) ResourceFor(input schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	return m.ResourceForWithContext(context.Background(), input)
}

// ResourcesFor is ResourcesForWithContext without a context.
func (m *Mapper) ResourcesFor(input schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	return m.ResourcesForWithContext(context.Background(), input)
}

// RESTMapping is RESTMappingWithContext without a context.
func (m *Mapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	return m.RESTMappingWithContext(context.Background(), gk, versions...)
}

// RESTMappings is RESTMappingsWithContext without a context.
func (m *Mapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return m.RESTMappingsWithContext(context.Background(), gk, versions...)
}

// ResourceSingularizer is ResourceSingularizerWithContext without a context.
func (m *Mapper) ResourceSingularizer(resource string) (string, error) {
	return m.ResourceSingularizerWithContext(context.Background(), resource)
}

// Lookup operations, for telling misses apart in the negative cache.
const (
	opKindFor      = "KindFor"
	opKindsFor     = "KindsFor"
	opResourceFor  = "ResourceFor"
	opResourcesFor = "ResourcesFor"
	opMapping      = "RESTMapping"
	opMappings     = "RESTMappings"
	opSingular     = "ResourceSingularizer"
	opExpand       = "Expand"
	opGroups       = "Groups"
)

// answer runs f on a snapshot holding the groups sc needs: the current one
// if it has them, else one that resolve loaded or refreshed. A miss in groups
// whose discovery failed becomes a *DiscoveryError.
func answer[T any](ctx context.Context, m *Mapper, sc scope, name string, key negKey, f func(*snapshot) (T, error)) (T, error) {
	if s := m.snap.Load(); s != nil && s.covers(sc, name) {
		if v, err := f(s); !isMiss(err) {
			return v, err
		}
	}
	s, err := m.resolve(ctx, sc, name, key, func(s *snapshot) error { _, err := f(s); return err })
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := f(s)
	return v, s.explain(sc, err)
}

func resourceKey(op string, r schema.GroupVersionResource) negKey {
	return negKey{op: op, group: r.Group, version: r.Version, name: r.Resource}
}

func kindKey(op string, gk schema.GroupKind, versions []string) negKey {
	return negKey{op: op, group: gk.Group, name: gk.Kind, versions: strings.Join(versions, ",")}
}

// covers reports whether every group a lookup in sc needs is loaded.
func (s *snapshot) covers(sc scope, name string) bool {
	if s.list == nil {
		return false
	}
	_, ok := s.positions(sc, name)
	return ok
}
