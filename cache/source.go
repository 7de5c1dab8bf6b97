package cache

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
)

// source is what an informer reads its kind through: a dynamic resource
// interface, or its metadata-only mode, narrowed to a namespace when
// asked.
type source[T Object] interface {
	list(ctx context.Context, opts metav1.ListOptions) (page[T], error)
	watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	// object returns the object of a watch event.
	object(runtime.Object) (T, error)
}

// page is one page of a list: its objects, which the informer owns, its
// resourceVersion and the token of the next page ("" after the last).
type page[T Object] struct {
	items    []T
	rv, next string
}

// wholeSource reads whole objects.
type wholeSource struct{ r dynamic.ResourceInterface }

func (s wholeSource) list(ctx context.Context, opts metav1.ListOptions) (page[*unstructured.Unstructured], error) {
	l, err := s.r.List(ctx, opts)
	if err != nil {
		return page[*unstructured.Unstructured]{}, err
	}
	items := make([]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		items[i] = &l.Items[i]
	}
	return page[*unstructured.Unstructured]{items: items, rv: l.GetResourceVersion(), next: l.GetContinue()}, nil
}

func (s wholeSource) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return s.r.Watch(ctx, opts)
}

func (wholeSource) object(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	return nil, fmt.Errorf("cache: a watch event with a %T", obj)
}

// metadataSource reads metadata only, as PartialObjectMetadata.
type metadataSource struct{ r dynamic.MetadataInterface }

func (s metadataSource) list(ctx context.Context, opts metav1.ListOptions) (page[*metav1.PartialObjectMetadata], error) {
	l, err := s.r.List(ctx, opts)
	if err != nil {
		return page[*metav1.PartialObjectMetadata]{}, err
	}
	// Pointers into the page's array: the informer copies what it keeps,
	// so that a stored object does not pin a page.
	items := make([]*metav1.PartialObjectMetadata, len(l.Items))
	for i := range l.Items {
		items[i] = &l.Items[i]
	}
	return page[*metav1.PartialObjectMetadata]{items: items, rv: l.ResourceVersion, next: l.Continue}, nil
}

func (s metadataSource) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return s.r.Watch(ctx, opts)
}

func (metadataSource) object(obj runtime.Object) (*metav1.PartialObjectMetadata, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		return m, nil
	}
	return nil, fmt.Errorf("cache: a watch event with a %T", obj)
}

// metadataAsUnstructured reads metadata only and renders each object as
// an unstructured one holding apiVersion, kind and metadata, for an
// Informer asked for with MetadataOnly.
type metadataAsUnstructured struct {
	md                metadataSource
	apiVersion, kind  string
	keepManagedFields bool
}

func (s metadataAsUnstructured) list(ctx context.Context, opts metav1.ListOptions) (page[*unstructured.Unstructured], error) {
	p, err := s.md.list(ctx, opts)
	if err != nil {
		return page[*unstructured.Unstructured]{}, err
	}
	items := make([]*unstructured.Unstructured, len(p.items))
	for i, m := range p.items {
		if items[i], err = s.render(m); err != nil {
			return page[*unstructured.Unstructured]{}, err
		}
	}
	return page[*unstructured.Unstructured]{items: items, rv: p.rv, next: p.next}, nil
}

func (s metadataAsUnstructured) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return s.md.watch(ctx, opts)
}

func (s metadataAsUnstructured) object(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := s.md.object(obj)
	if err != nil {
		return nil, err
	}
	return s.render(m)
}

// render is m as the API server would write it in JSON, with the kind's
// apiVersion and kind.
func (s metadataAsUnstructured) render(m *metav1.PartialObjectMetadata) (*unstructured.Unstructured, error) {
	if !s.keepManagedFields {
		m.ManagedFields = nil // not rendered only to be dropped
	}
	md, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&m.ObjectMeta)
	if err != nil {
		return nil, fmt.Errorf("cache: render the metadata of %s/%s: %w", m.Namespace, m.Name, err)
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": s.apiVersion, "kind": s.kind, "metadata": md}}, nil
}
