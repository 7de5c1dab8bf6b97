package dynamic

import (
	"context"
	"fmt"

	"github.com/kdyn/kdyn/restmapper"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Mapped reaches resources by kind, resolving each kind through a
// RESTMapper. Its resources know their scope: a namespace on a
// cluster-scoped resource, or a missing one where a namespaced object is
// named or created, fails before any request. Safe for concurrent use if the
// mapper is.
type Mapped struct {
	c      *Client
	mapper meta.RESTMapper
}

// NewMapped returns a Mapped over c and mapper, e.g. kdyn's restmapper.Mapper
// or a meta.DefaultRESTMapper.
func NewMapped(c *Client, mapper meta.RESTMapper) *Mapped {
	return &Mapped{c: c, mapper: mapper}
}

// ForKind returns the resource of gvk; an empty Version takes the mapper's
// preferred one. When the mapper knows no such kind and can be reset
// (meta.ResettableRESTMapper), it is reset and asked once more, so kinds
// installed since it loaded are found; kdyn's *restmapper.Mapper is not
// reset, as it refreshes on a miss itself and a Reset would drop the backoff
// that keeps repeated misses off the server. A kind still unknown is a
// *meta.NoKindMatchError (meta.IsNoMatchError holds).
func (m *Mapped) ForKind(ctx context.Context, gvk schema.GroupVersionKind) (NamespaceableResourceInterface, error) {
	mapping, err := m.mapping(ctx, gvk)
	if err != nil {
		return nil, err
	}
	r := &resource{c: m.c, gvr: mapping.Resource, kind: gvk.GroupKind()}
	if mapping.Scope != nil { // a hand-built mapper may leave it unset: unknown
		r.scope = mapping.Scope.Name()
	}
	return r, nil
}

// ForObject returns the resource of obj's apiVersion and kind in obj's
// namespace. It refuses a namespace on a cluster-scoped kind and a missing
// namespace on a namespaced one.
func (m *Mapped) ForObject(ctx context.Context, obj *unstructured.Unstructured) (ResourceInterface, error) {
	if obj == nil {
		return nil, fmt.Errorf("dynamic: nil object")
	}
	gvk := obj.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		return nil, fmt.Errorf("dynamic: object %q has no apiVersion and kind to map", obj.GetName())
	}
	r, err := m.ForKind(ctx, gvk)
	if err != nil {
		return nil, err
	}
	res := r.Namespace(obj.GetNamespace()).(*resource)
	if err := res.checkScope(obj.GetName(), true); err != nil {
		return nil, err
	}
	return res, nil
}

func (m *Mapped) mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	mapping, err := m.lookup(ctx, gvk)
	if _, selfRefreshing := m.mapper.(*restmapper.Mapper); meta.IsNoMatchError(err) && !selfRefreshing {
		if r, ok := m.mapper.(meta.ResettableRESTMapper); ok {
			r.Reset()
			mapping, err = m.lookup(ctx, gvk)
		}
	}
	if err != nil {
		return nil, err
	}
	if mapping == nil {
		return nil, fmt.Errorf("dynamic: the RESTMapper returned no mapping and no error for %s", gvk)
	}
	return mapping, nil
}

func (m *Mapped) lookup(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	var versions []string
	if gvk.Version != "" {
		versions = []string{gvk.Version}
	}
	if mc, ok := m.mapper.(meta.RESTMapperWithContext); ok {
		return mc.RESTMappingWithContext(ctx, gvk.GroupKind(), versions...)
	}
	return m.mapper.RESTMapping(gvk.GroupKind(), versions...)
}

// checkScope refuses a request that contradicts the resource's scope, when
// known: a namespace for a cluster-scoped resource, or no namespace for a
// namespaced object that is named or created (lists and watches across all
// namespaces are fine).
func (r *resource) checkScope(name string, single bool) error {
	switch {
	case r.scope == meta.RESTScopeNameRoot && r.ns != "":
		return fmt.Errorf("dynamic: %s is cluster-scoped, but namespace %q was given", r.kindName(), r.ns)
	case r.scope == meta.RESTScopeNameNamespace && r.ns == "" && single:
		if name == "" {
			return fmt.Errorf("dynamic: %s is namespaced: a namespace is required", r.kindName())
		}
		return fmt.Errorf("dynamic: %s %q is namespaced: a namespace is required", r.kindName(), name)
	}
	return nil
}

func (r *resource) kindName() string {
	if r.kind.Kind != "" {
		return r.kind.String()
	}
	return r.gvr.GroupResource().String()
}
