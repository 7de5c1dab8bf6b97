package main

import (
	"context"
	"errors"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
)

// expander is restmapper.Mapper's name expansion, declared here so that the
// CLI builds against a mapper without it; expandFromDiscovery stands in.
type expander interface {
	Expand(ctx context.Context, arg string) ([]schema.GroupVersionResource, error)
}

// expand resolves a resource argument the way kubectl does: a category
// ("all") to its resources, a short name ("deploy") to its resource, then
// "resource[.version].group" through the mapper.
func (s *session) expand(ctx context.Context, arg string) ([]schema.GroupVersionResource, error) {
	if e, ok := any(s.mapper).(expander); ok {
		return e.Expand(ctx, arg)
	}
	return s.expandFromDiscovery(ctx, arg)
}

func (s *session) expandFromDiscovery(ctx context.Context, arg string) ([]schema.GroupVersionResource, error) {
	lists, err := s.discovery.PreferredResources(ctx)
	var partial *discovery.PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, err
	}
	var inCategory []schema.GroupVersionResource
	for gv, r := range preferred(lists) {
		if slices.Contains(r.Categories, arg) {
			inCategory = append(inCategory, gv.WithResource(r.Name))
		}
		if slices.Contains(r.ShortNames, arg) {
			return []schema.GroupVersionResource{gv.WithResource(r.Name)}, nil
		}
	}
	if len(inCategory) > 0 {
		return inCategory, nil
	}
	full, gr := schema.ParseResourceArg(arg)
	partialGVR := gr.WithVersion("")
	if full != nil {
		if _, err := s.mapper.KindForWithContext(ctx, *full); err == nil {
			return []schema.GroupVersionResource{*full}, nil
		}
	}
	gvr, err := s.mapper.ResourceForWithContext(ctx, partialGVR)
	if err != nil {
		return nil, err
	}
	return []schema.GroupVersionResource{gvr}, nil
}

// preferred yields each top-level resource of lists with its group-version.
func preferred(lists []*metav1.APIResourceList) func(yield func(schema.GroupVersion, metav1.APIResource) bool) {
	return func(yield func(schema.GroupVersion, metav1.APIResource) bool) {
		for _, row := range apiResourceRows(lists) {
			if !yield(row.gv, row.r) {
				return
			}
		}
	}
}
