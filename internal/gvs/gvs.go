// Package gvs holds helpers over sets of group-versions shared by discovery
// and restmapper, so that both report failures in the same order.
package gvs

import (
	"cmp"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Sorted returns the keys of m ordered by group, then version.
func Sorted[V any](m map[schema.GroupVersion]V) []schema.GroupVersion {
	return slices.SortedFunc(maps.Keys(m), func(a, b schema.GroupVersion) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version))
	})
}
