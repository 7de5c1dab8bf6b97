package cache

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// unstructuredPrep prepares the whole objects an Informer keeps: without
// managedFields unless kept, transformed, then detached. It is also what
// an Informer of metadata only keeps its apiVersion/kind/metadata objects
// with.
type unstructuredPrep struct {
	det       *detacher
	transform func(*unstructured.Unstructured) (*unstructured.Unstructured, error)
	keepMF    bool
}

func newUnstructuredPrep(opts InformerOptions) *unstructuredPrep {
	return &unstructuredPrep{det: newDetacher(opts.KeepManagedFields), transform: opts.Transform, keepMF: opts.KeepManagedFields}
}

func (p *unstructuredPrep) prepare(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if !p.keepMF {
		if md, ok := obj.Object["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
	}
	if p.transform != nil {
		out, err := p.transform(obj)
		if err != nil {
			return nil, fmt.Errorf("cache: transform %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
		}
		if out == nil {
			return nil, fmt.Errorf("cache: transform %s/%s returned no object", obj.GetNamespace(), obj.GetName())
		}
		obj = out
	}
	return p.det.detach(obj), nil
}
