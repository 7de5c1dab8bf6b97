package dynamic

import (
	"iter"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// allPages is the paging loop of All for items of type T: page lists one
// page with opts and returns its items and continue token. Each request asks
// for opts.Limit objects (defaultPageSize if 0); the first page keeps
// opts.ResourceVersion and ResourceVersionMatch, later pages read from the
// first page's snapshot. Iteration ends at the first error, yielded with a
// nil object; each range over the sequence lists from the start.
func allPages[T any](opts metav1.ListOptions, page func(metav1.ListOptions) ([]T, string, error)) iter.Seq2[*T, error] {
	if opts.Limit == 0 {
		opts.Limit = defaultPageSize
	}
	return func(yield func(*T, error) bool) {
		opts := opts
		for {
			items, next, err := page(opts)
			if err != nil {
				yield(nil, pageError(err, opts.Continue))
				return
			}
			for i := range items {
				if !yield(&items[i], nil) {
					return
				}
			}
			if next == "" {
				return
			}
			opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = next, "", ""
		}
	}
}
