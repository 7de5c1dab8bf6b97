package cache

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// labelView reads an object's metadata.labels in place as labels.Labels,
// where (*unstructured.Unstructured).GetLabels would copy them into a new
// map for every object a selector looks at.
type labelView map[string]any

var _ labels.Labels = labelView(nil)

func unstructuredLabels(obj *unstructured.Unstructured) labelView {
	md, _ := obj.Object["metadata"].(map[string]any)
	l, _ := md["labels"].(map[string]any)
	return labelView(l)
}

// Has reports whether label is set.
func (l labelView) Has(label string) bool {
	_, ok := l[label]
	return ok
}

// Get returns label's value, "" if unset or not a string.
func (l labelView) Get(label string) string {
	v, _ := l[label].(string)
	return v
}

// Lookup returns label's value and whether it is set.
func (l labelView) Lookup(label string) (string, bool) {
	v, ok := l[label]
	s, _ := v.(string)
	return s, ok
}
