package cache_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
)

// TestHandlers: a handler added before the sync and one added after both
// end with the store's view; a slow handler holds back neither the watch
// nor the others; a removed handler receives nothing more.
func TestHandlers(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 50, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)

	early := newRecorder()
	inf.AddHandler(early.handler())
	release := make(chan struct{})
	var slowCalls atomic.Int32
	inf.AddHandler(cache.Handler{OnAdd: func(*unstructured.Unstructured, bool) {
		slowCalls.Add(1)
		<-release
	}})
	require.NoError(t, inf.WaitForSync(ctx))

	late := newRecorder()
	inf.AddHandler(late.handler())
	removed := newRecorder()
	remove := inf.AddHandler(removed.handler())
	require.Eventually(t, func() bool { _, adds, _, _ := removed.counts(); return adds == 50 }, 10*time.Second, 10*time.Millisecond)
	remove()
	remove() // twice is harmless

	r := e.widgets("default")
	for _, name := range []string{"w0001", "w0002"} {
		_, err := r.Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"size":99}}`), metav1.PatchOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, r.Delete(ctx, "w0003", metav1.DeleteOptions{}))

	// The slow handler is still inside its first call, yet everyone else is done.
	want := converge(t, inf, r)
	require.Eventually(t, func() bool {
		_, _, u, d := late.counts()
		_, _, eu, ed := early.counts()
		return u == 2 && d == 1 && eu == 2 && ed == 1
	}, 10*time.Second, 10*time.Millisecond)
	early.check(t, want)
	late.check(t, want)
	assert.Equal(t, int32(1), slowCalls.Load())
	st := inf.Stats()
	assert.Equal(t, 3, st.Handlers)
	assert.Equal(t, 49+3, st.Pending, "the slow handler's queue: 49 adds, 2 updates, 1 delete")

	initial, adds, _, _ := late.counts()
	assert.Equal(t, 50, initial, "a late handler first receives the store as initial adds")
	assert.Equal(t, 50, adds)
	_, _, updates, deletes := removed.counts()
	assert.Zero(t, updates+deletes, "nothing after remove")

	close(release)
	require.Eventually(t, func() bool { return inf.Stats().Pending == 0 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, int32(50), slowCalls.Load(), "its adds, in order, once it is free")
}

// TestHandlerRemovesItself: remove may be called from inside the handler,
// and Stop from a goroutine a handler starts.
func TestHandlerRemovesItself(t *testing.T) {
	e := newEnv(t, fastOptions)
	e.installCRD(t)
	e.createWidgets(t, 10, "default")
	ctx := ctxFor(t, 30*time.Second)
	inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	var mu sync.Mutex
	calls := 0
	var remove func()
	mu.Lock()
	remove = inf.AddHandler(cache.Handler{OnAdd: func(*unstructured.Unstructured, bool) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		remove()
	}})
	mu.Unlock()
	stopped := make(chan struct{})
	inf.AddHandler(cache.Handler{OnAdd: func(obj *unstructured.Unstructured, _ bool) {
		if obj.GetName() == "w0005" {
			go func() { inf.Stop(); close(stopped) }()
		}
	}})
	select {
	case <-stopped:
	case <-ctx.Done():
		t.Fatal("Stop from a handler's goroutine did not return")
	}
	assert.Equal(t, cache.Stopped, inf.State())
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, calls)
}
