package cache

import (
	"context"

	"k8s.io/apimachinery/pkg/watch"
)

// gatedSync is sync taking its turn through Options.ListGate, held until
// the complete state is read; a turn not given fails like a list.
func (w *watcher[T]) gatedSync(ctx context.Context) (watch.Interface, error) {
	if w.cfg.ListGate == nil {
		return w.sync(ctx)
	}
	release, err := w.cfg.ListGate(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return w.sync(ctx)
}
