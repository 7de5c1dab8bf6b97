package fleet

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// work is what each member does in the fan-out tests: map Deployment, list
// them, and read every group's resources. It returns what it listed, and
// discovery's partial failure if there is one.
func work(ctx context.Context, m *Member) (string, error) {
	mapping, err := m.Mapper().RESTMappingWithContext(ctx, deployment)
	if err != nil {
		return "", err
	}
	l, err := m.Dynamic().Resource(mapping.Resource).Namespace("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	_, _, err = m.Discovery().GroupsAndResources(ctx)
	return fmt.Sprintf("%d %s", len(l.Items), mapping.Resource.Resource), err
}

// TestEachFaultIsolation: of 100 clusters, one is down, one has an
// aggregated API server that fails (Stale in discovery, 503 on its
// paths), one hangs. The 97 others all answer while the hanging one is
// still waiting, and each failure is a typed error naming its cluster.
func TestEachFaultIsolation(t *testing.T) {
	healthy := serve(t, recorded(t, "k8s-1.37"))
	broken := serve(t, recorded(t, "k8s-1.37"),
		fixture.WithStale("stable.kdyn.dev", "v1"), fixture.WithGroupError("stable.kdyn.dev", http.StatusServiceUnavailable))
	hanging := serve(t, recorded(t, "k8s-1.37"), fixture.WithLatency(time.Hour))

	f := New(Options{Parallelism: 8})
	for i := range 97 {
		require.NoError(t, f.Add(fmt.Sprintf("ok-%02d", i), quiet(healthy.Config())))
	}
	require.NoError(t, f.Add("down", deadConfig(t)))
	require.NoError(t, f.Add("broken", quiet(broken.Config())))
	require.NoError(t, f.Add("hang", quiet(hanging.Config())))

	finished := make(chan string, 100)
	var res []Result[string]
	done := make(chan struct{})
	go func() {
		defer close(done)
		res = Map(context.Background(), f, func(ctx context.Context, m *Member) (string, error) {
			defer func() { finished <- m.Name() }()
			return work(ctx, m)
		})
	}()
	var first []string
	for len(first) < 99 {
		select {
		case name := <-finished:
			first = append(first, name)
		case <-time.After(time.Minute):
			require.FailNow(t, "members still running", "%d of 99 finished", len(first))
		}
	}
	assert.NotContains(t, first, "hang", "the hanging cluster is still waiting")
	hanging.Close() // its connection ends, and so does its call
	<-done

	require.Len(t, res, 100)
	byName := map[string]Result[string]{}
	for _, r := range res {
		byName[r.Cluster] = r
		if strings.HasPrefix(r.Cluster, "ok-") {
			assert.NoError(t, r.Err, r.Cluster)
			assert.Equal(t, "0 deployments", r.Value, r.Cluster)
		}
	}
	for _, name := range []string{"down", "broken", "hang"} {
		var ce *ClusterError
		require.ErrorAs(t, byName[name].Err, &ce, name)
		assert.Equal(t, name, ce.Cluster)
	}
	var re *rest.RequestError
	assert.ErrorAs(t, byName["down"].Err, &re, "connection refused: %v", byName["down"].Err)
	assert.ErrorAs(t, byName["hang"].Err, &re, "connection closed: %v", byName["hang"].Err)
	var partial *discovery.PartialError
	require.ErrorAs(t, byName["broken"].Err, &partial, "%v", byName["broken"].Err)
	assert.Contains(t, partial.Failed, groupVersion("stable.kdyn.dev", "v1"))
	assert.Equal(t, "0 deployments", byName["broken"].Value, "its healthy groups answer all the same")
}

// TestMapParallelism: no more than Options.Parallelism calls at once, and
// every member called once.
func TestMapParallelism(t *testing.T) {
	f := New(Options{Parallelism: 3})
	for i := range 20 {
		require.NoError(t, f.Add(fmt.Sprintf("m%02d", i), &rest.Config{Host: "https://127.0.0.1:1"}))
	}
	var now, peak atomic.Int32
	var mu sync.Mutex
	calls := map[string]int{}
	errs := f.Each(context.Background(), func(ctx context.Context, m *Member) error {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		mu.Lock()
		calls[m.Name()]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		return nil
	})
	assert.Len(t, errs, 20)
	for name, err := range errs {
		assert.NoError(t, err, name)
		assert.Equal(t, 1, calls[name], name)
	}
	assert.LessOrEqual(t, peak.Load(), int32(3))
}

// TestEachContext: the function's context ends with the caller's, after
// EachTimeout, and when its member is removed; members not started when
// the caller's context ends get its error without being called; a panic
// becomes that member's error.
func TestEachContext(t *testing.T) {
	f := New(Options{Parallelism: 1, EachTimeout: 50 * time.Millisecond})
	for _, name := range []string{"a-timeout", "b-panic", "c-removed", "d-cancel", "e-never"} {
		require.NoError(t, f.Add(name, &rest.Config{Host: "https://127.0.0.1:1"}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var called []string
	errs := f.Each(ctx, func(ctx context.Context, m *Member) error {
		called = append(called, m.Name()) // Parallelism 1: one call at a time
		switch m.Name() {
		case "b-panic":
			panic("boom")
		case "c-removed":
			go f.Remove(m.Name())
		case "d-cancel":
			cancel()
		}
		<-ctx.Done()
		return context.Cause(ctx)
	})
	assert.Equal(t, []string{"a-timeout", "b-panic", "c-removed", "d-cancel"}, called)
	assert.ErrorIs(t, errs["a-timeout"], context.DeadlineExceeded)
	var pe *PanicError
	require.ErrorAs(t, errs["b-panic"], &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "each_test.go")
	assert.ErrorIs(t, errs["c-removed"], ErrRemoved)
	assert.ErrorIs(t, errs["d-cancel"], context.Canceled)
	assert.ErrorIs(t, errs["e-never"], context.Canceled)
	for name, err := range errs {
		var ce *ClusterError
		require.ErrorAs(t, err, &ce, name)
		assert.Equal(t, name, ce.Cluster)
	}
}
