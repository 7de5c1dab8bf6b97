package typed

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
	"weak"

	"github.com/kdyn/kdyn/cache"
	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// views finds the converter of each typed informer's cache informer. The
// cache shares one informer between every request for the same resource
// and selection, and keeps the Transform of the first: a second Inform
// gets the informer the first started, and must use the converter that
// informer runs, not the one it made.
var views registry

// registry maps cache informers to their converters. It holds the
// informers weakly, so a stopped informer nobody holds is collected; its
// entry goes at the next attach. The converters hold no informer. Safe for
// concurrent use.
type registry struct {
	calls singleflight.Group // one first request per informer at a time

	mu    sync.Mutex // guards byInf
	byInf map[weak.Pointer[cache.Informer]]attachable
}

// attachTimeout bounds the first lookup of a kind made for Inform calls
// that share it; each caller waits on its own ctx meanwhile.
const attachTimeout = time.Minute

// attach returns the informer for gvk with opts in c and the converter it
// runs, starting it with a converter from newConv if it is new.
// Concurrent first requests for one informer share one call.
func (r *registry) attach(ctx context.Context, c *cache.Cache, gvk schema.GroupVersionKind, opts InformerOptions,
	goType reflect.Type, newConv func() attachable) (attachable, *cache.Informer, error) {
	type result struct {
		conv attachable
		inf  *cache.Informer
	}
	key := flightKey(c, gvk, opts, goType)
	ch := r.calls.DoChan(key, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), attachTimeout)
		defer cancel()
		conv := newConv()
		inf, err := c.Informer(shared, gvk, cache.InformerOptions{Namespace: opts.Namespace, LabelSelector: opts.LabelSelector,
			FieldSelector: opts.FieldSelector, KeepManagedFields: opts.KeepManagedFields, Transform: conv.transform})
		if err != nil {
			return nil, explain(err)
		}
		return result{r.adopt(inf, conv), inf}, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, nil, res.Err
		}
		got := res.Val.(result)
		return got.conv, got.inf, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// adopt files conv under inf unless inf already has a converter, which it
// returns: the informer existed before this request.
func (r *registry) adopt(inf *cache.Informer, conv attachable) attachable {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byInf == nil {
		r.byInf = map[weak.Pointer[cache.Informer]]attachable{}
	}
	k := weak.Make(inf)
	if have, ok := r.byInf[k]; ok {
		return have
	}
	for old := range r.byInf {
		if old.Value() == nil {
			delete(r.byInf, old)
		}
	}
	r.byInf[k] = conv
	return conv
}

// forget drops a stopped informer's entry.
func (r *registry) forget(inf *cache.Informer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byInf, weak.Make(inf))
}

// flightKey names the informer a request asks for, with the Go type it
// asks for it as: requests for the same informer as another type do not
// wait for each other, and get the cache's error.
func flightKey(c *cache.Cache, gvk schema.GroupVersionKind, opts InformerOptions, goType reflect.Type) string {
	ls, fs := opts.LabelSelector, opts.FieldSelector
	if sel, err := labels.Parse(ls); err == nil {
		ls = sel.String()
	}
	if sel, err := fields.ParseSelector(fs); err == nil {
		fs = sel.String()
	}
	return fmt.Sprintf("%p\x00%s\x00%s\x00%s\x00%s\x00%t\x00%s", c, gvk, opts.Namespace, ls, fs, opts.KeepManagedFields, goType)
}

// explain adds to the cache's refusal of another Transform what it means
// for a typed informer.
func explain(err error) error {
	var oe *cache.OptionError
	if errors.As(err, &oe) && oe.Field == "Transform" {
		return fmt.Errorf("typed: the cache already runs an informer of unstructured objects (or of another Go type) "+
			"for this resource and selection, and a typed informer needs its own: %w", err)
	}
	return err
}
