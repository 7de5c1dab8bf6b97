package typed

import (
	"context"
	"errors"
	"iter"
	"net/http"

	"github.com/kdyn/kdyn/dynamic"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// defaultPageSize is the page size of All when ListOptions.Limit is 0.
const defaultPageSize = 500

// All lists page by page and yields every object, in order. Each request
// asks for opts.Limit objects (500 if 0) and continues from the previous
// page; later pages read from the first page's snapshot. Iteration ends at
// the first error, yielded with a nil object; a continue token the server
// has expired is a *dynamic.ExpiredError. Each range over the sequence
// lists from the start.
func (c *Client[T, L]) All(ctx context.Context, opts metav1.ListOptions) iter.Seq2[T, error] {
	if opts.Limit == 0 {
		opts.Limit = defaultPageSize
	}
	return func(yield func(T, error) bool) {
		opts := opts
		for {
			page, err := c.list(ctx, call{method: http.MethodGet, params: &opts})
			strictErr := err
			if err != nil && !runtime.IsStrictDecodingError(err) {
				var zero T
				yield(zero, pageError(err, opts.Continue))
				return
			}
			if !c.shape.each(page, func(obj T) bool { return yield(obj, nil) }) {
				return
			}
			if strictErr != nil {
				var zero T
				if !yield(zero, strictErr) {
					return
				}
			}
			lm, err := meta.ListAccessor(page)
			if err != nil || lm.GetContinue() == "" {
				return
			}
			opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = lm.GetContinue(), "", ""
		}
	}
}

// pageError turns the expiry of a continue token into a
// *dynamic.ExpiredError, for List and All alike.
func pageError(err error, token string) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || token == "" || !(apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
		return err
	}
	return &dynamic.ExpiredError{Continue: token, Err: se}
}
