package fleet

import (
	"context"
	"runtime/debug"
	"sync"
)

// Result is what Map's function returned for one member.
type Result[T any] struct {
	// Cluster is the member's name.
	Cluster string
	// Value is what the function returned, with Err too when it returned
	// both (a partial answer); the zero value for a member not called.
	Value T
	// Err is a *ClusterError, or nil.
	Err error
}

// Map calls fn for every member served here, at most Options.Parallelism
// at a time, and returns one Result per member, sorted by name. Each call
// gets a context that ends with ctx, after Options.EachTimeout, and when
// the member is removed or handed over; a member still waiting for its
// turn when ctx ends is not called, and gets ctx's error. A slow or
// unreachable cluster holds one slot while the others go on through the
// rest; a panic in fn is recovered into that member's *PanicError.
//
// Errors are *ClusterError naming the member.
func Map[T any](ctx context.Context, f *Fleet, fn func(context.Context, *Member) (T, error)) []Result[T] {
	ms := f.served()
	out := make([]Result[T], len(ms))
	slots := make(chan struct{}, f.opts.Parallelism)
	var wg sync.WaitGroup
	for i, m := range ms {
		out[i].Cluster = m.name
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = clusterError(m.name, ctx.Err())
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			v, err := call(ctx, f.opts, m, fn)
			out[i].Value, out[i].Err = v, clusterError(m.name, err)
		})
	}
	wg.Wait()
	return out
}

// Each calls fn for every member served here as Map does, and returns each
// member's error by name: nil for those whose call succeeded, else a
// *ClusterError.
func (f *Fleet) Each(ctx context.Context, fn func(context.Context, *Member) error) map[string]error {
	res := Map(ctx, f, func(ctx context.Context, m *Member) (struct{}, error) { return struct{}{}, fn(ctx, m) })
	out := make(map[string]error, len(res))
	for _, r := range res {
		out[r.Cluster] = r.Err
	}
	return out
}

// call runs fn for m on a context that ctx, the timeout and m's removal
// end, turning a panic into an error.
func call[T any](ctx context.Context, opts Options, m *Member, fn func(context.Context, *Member) (T, error)) (v T, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(m.ctx, func() { cancel(context.Cause(m.ctx)) })
	defer stop()
	if opts.EachTimeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, opts.EachTimeout)
		defer cancelTimeout()
	}
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, m)
}
