package dynamic

import (
	"context"
	"errors"
	"iter"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// defaultPageSize is the page size of All when ListOptions.Limit is 0.
const defaultPageSize = 500

// ExpiredError means a paged list cannot go on: the server no longer has the
// snapshot its continue token points into (410 Expired, the resource
// version was compacted). The objects seen so far are an incomplete view;
// relist from the start.
type ExpiredError struct {
	Continue string                 // the token the server refused
	Err      *apierrors.StatusError // the server's answer
}

func (e *ExpiredError) Error() string {
	return "dynamic: paged list expired before it finished, relist from the start: " + e.Err.Error()
}

// Unwrap returns the server's error, so apierrors.IsResourceExpired holds.
func (e *ExpiredError) Unwrap() error { return e.Err }

// All lists page by page and yields every object. Each request asks for
// opts.Limit objects (defaultPageSize if 0) and continues with the token of
// the previous page; the first page keeps opts.ResourceVersion and
// ResourceVersionMatch, later pages read from the first page's snapshot.
// Iteration ends at the first error, which is yielded with a nil object.
func (r *resource) All(ctx context.Context, opts metav1.ListOptions) iter.Seq2[*unstructured.Unstructured, error] {
	if opts.Limit == 0 {
		opts.Limit = defaultPageSize
	}
	return func(yield func(*unstructured.Unstructured, error) bool) {
		opts := opts // each range over the sequence lists from the start
		for {
			page, err := r.list(ctx, call{method: http.MethodGet, params: &opts})
			if err != nil {
				yield(nil, pageError(err, opts.Continue))
				return
			}
			for i := range page.Items {
				if !yield(&page.Items[i], nil) {
					return
				}
			}
			next := page.GetContinue()
			if next == "" {
				return
			}
			opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = next, "", ""
		}
	}
}

// pageError turns the expiry of a continue token into an *ExpiredError, for
// List and All alike.
func pageError(err error, token string) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || token == "" || !(apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
		return err
	}
	return &ExpiredError{Continue: token, Err: se}
}
