package cache

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/restmapper"
)

// resolvedKind is what an informer's kind maps to: the resource, the
// kind as the mapper names it, and the namespace to read in ("" for all).
type resolvedKind struct {
	gvr       schema.GroupVersionResource
	gvk       schema.GroupVersionKind
	namespace string
}

// resolve maps gvk and returns its resource. A namespace for a
// cluster-scoped kind is an *OptionError.
func (c *Cache) resolve(ctx context.Context, gvk schema.GroupVersionKind, opts InformerOptions) (resolvedKind, error) {
	m, err := c.mapping(ctx, gvk)
	if err != nil {
		return resolvedKind{}, err
	}
	ns := opts.Namespace
	if ns != "" && m.Scope != nil && m.Scope.Name() == meta.RESTScopeNameRoot {
		return resolvedKind{}, &OptionError{Kind: gvk, Field: "Namespace",
			Reason: fmt.Sprintf("%s is cluster-scoped, but namespace %q was given", m.Resource.GroupResource(), ns)}
	}
	mapped := m.GroupVersionKind
	if mapped.Kind == "" { // a mapper that leaves it out
		mapped = gvk.GroupKind().WithVersion(m.Resource.Version)
	}
	return resolvedKind{gvr: m.Resource, gvk: mapped, namespace: ns}, nil
}

// mapping looks gvk up. A miss resets a mapper that can be reset and asks
// once more, except kdyn's, which refreshes the group itself and keeps
// the backoff of repeated misses (dynamic.Mapped does the same).
func (c *Cache) mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.lookupKind(ctx, gvk)
	if _, selfRefreshing := c.mapper.(*restmapper.Mapper); meta.IsNoMatchError(err) && !selfRefreshing {
		if r, ok := c.mapper.(meta.ResettableRESTMapper); ok {
			r.Reset()
			m, err = c.lookupKind(ctx, gvk)
		}
	}
	if err == nil && m == nil {
		err = fmt.Errorf("cache: the RESTMapper returned no mapping and no error for %s", gvk)
	}
	return m, err
}

func (c *Cache) lookupKind(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	var versions []string
	if gvk.Version != "" {
		versions = []string{gvk.Version}
	}
	if mc, ok := c.mapper.(meta.RESTMapperWithContext); ok {
		return mc.RESTMappingWithContext(ctx, gvk.GroupKind(), versions...)
	}
	return c.mapper.RESTMapping(gvk.GroupKind(), versions...)
}

// run is the informer's life: wait for its kind, keep it synced while it is
// served, and when it goes away deliver its objects' deletion and wait
// again. It ends when ctx does. A kind the mapper still maps but the server
// no longer serves (a deleted CRD) stays Waiting: the informer is Syncing
// only once the server answers a list or watch of it.
func (i *InformerOf[T]) run(ctx context.Context, res resolvedKind, resErr error) {
	defer close(i.done)
	poll := newBackoff(i.c.opts.KindPollInterval, i.c.opts.MaxBackoff)
	w := &watcher[T]{opts: i.listOptions(), cfg: &i.c.opts, wl: &i.c.wl, refl: i.refl, stats: &i.stats,
		bo: newBackoff(i.c.opts.MinBackoff, i.c.opts.MaxBackoff), served: i.served}
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			res, resErr = i.c.resolve(ctx, i.gvk, i.opts)
		}
		if resErr != nil {
			i.stats.setError(resErr)
			i.setState(Waiting)
			sleep(ctx, poll.delay())
			continue
		}
		i.stats.setResource(res.gvr)
		i.c.resolved(i, res.gvr)
		w.src, i.refl.prep = i.open(res)
		synced, err := w.run(ctx)
		if ctx.Err() != nil {
			return
		}
		if synced {
			poll.reset()
		}
		// The kind went away: its objects are gone with it.
		i.stats.setError(err)
		i.refl.gone()
		i.setState(Waiting)
		sleep(ctx, poll.delay())
	}
}
