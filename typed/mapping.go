package typed

import (
	"context"
	"fmt"

	"github.com/kdyn/kdyn/restmapper"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// target is where a call goes: the resource of the Client's kind, its
// scope, and the namespace.
type target struct {
	gvr   schema.GroupVersionResource
	scope meta.RESTScopeName // "" when the mapper does not say
}

// resolve maps the Client's kind to its resource on every call, so a CRD
// installed, or removed, while the program runs is seen on the next call;
// kdyn's mapper answers a known kind in well under a microsecond. A kind
// the server does not serve is a *meta.NoKindMatchError
// (meta.IsNoMatchError holds).
func (c *Client[T, L]) resolve(ctx context.Context) (target, error) {
	m, err := lookup(ctx, c.cs.mapper, c.shape.gvk)
	if _, selfRefreshing := c.cs.mapper.(*restmapper.Mapper); meta.IsNoMatchError(err) && !selfRefreshing {
		// Other mappers learn of new kinds only when reset.
		if r, ok := c.cs.mapper.(meta.ResettableRESTMapper); ok {
			r.Reset()
			m, err = lookup(ctx, c.cs.mapper, c.shape.gvk)
		}
	}
	switch {
	case err != nil:
		return target{}, fmt.Errorf("typed: %s: %w", c.shape.gvk.Kind, err)
	case m == nil:
		return target{}, fmt.Errorf("typed: %s: the RESTMapper returned no mapping and no error", c.shape.gvk)
	}
	t := target{gvr: m.Resource}
	if m.Scope != nil {
		t.scope = m.Scope.Name()
	}
	return t, nil
}

func lookup(ctx context.Context, mapper meta.RESTMapper, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	if mc, ok := mapper.(meta.RESTMapperWithContext); ok {
		return mc.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	}
	return mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
}

// checkScope refuses a call that contradicts the resource's scope: a
// namespace for a cluster-scoped kind, or none for a named or created
// object of a namespaced kind (lists and watches across all namespaces are
// fine).
func (c *Client[T, L]) checkScope(t target, name string, single bool) error {
	switch {
	case t.scope == meta.RESTScopeNameRoot && c.ns != "":
		return fmt.Errorf("typed: %s is cluster-scoped, but namespace %q was given", c.shape.gvk.Kind, c.ns)
	case t.scope == meta.RESTScopeNameNamespace && c.ns == "" && single:
		if name == "" {
			return fmt.Errorf("typed: %s is namespaced: a namespace is required", c.shape.gvk.Kind)
		}
		return fmt.Errorf("typed: %s %q is namespaced: a namespace is required", c.shape.gvk.Kind, name)
	}
	return nil
}
