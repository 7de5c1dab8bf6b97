package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/restmapper"
)

const (
	loadWorkers   = 256
	loadGroups    = 50
	loadFaultRate = 0.01
	loadNS        = "load"
)

var loadVerbs = []string{"lookup", "get", "list", "watch"}

// TestLoad runs 256 goroutines mixing mapper lookups, gets, lists and
// watches against the fixture server for 3 s (30 s with -load), with 1% of
// the requests faulted: no error beyond those injected; p99 latency and
// memory are logged.
func TestLoad(t *testing.T) {
	d := 3 * time.Second
	if *loadFlag {
		d = 30 * time.Second
	}
	ctx := context.Background()
	e := newEnv(t, fixture.Synthetic(loadGroups, 4))
	_, err := e.dyn.Resource(namespaces).Create(ctx, namespace(loadNS), metav1.CreateOptions{})
	require.NoError(t, err)
	cms := e.dyn.Resource(configMaps).Namespace(loadNS)
	for i := range sharedCMs {
		_, err := cms.Create(ctx, withRole(configMap(loadNS, fmt.Sprintf("shared-%d", i), nil), "shared"), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	mapper := restmapper.New(discovery.New(e.rc, discovery.Options{}), restmapper.Options{})
	// Warm before the faults: a fault on a discovery request shared by
	// every waiting lookup would fail them all, more errors than injected.
	for g := range loadGroups {
		_, err := mapper.RESTMappingWithContext(ctx, schema.GroupKind{Group: groupName(g), Kind: "Widget000"})
		require.NoError(t, err)
	}

	lat := map[string]*latencies{}
	for _, v := range loadVerbs {
		lat[v] = &latencies{}
	}
	var failures atomic.Int64
	var errMu sync.Mutex
	var untyped []string
	heap0 := heap()
	var peak atomic.Uint64
	stopSampling := sampleHeap(&peak)
	e.chaos.setRate(loadFaultRate)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				verb := loadVerbs[rand.IntN(len(loadVerbs))]
				start := time.Now()
				err := loadOp(ctx, e, mapper, verb)
				lat[verb].add(time.Since(start))
				if err != nil {
					failures.Add(1)
					if !typed(err) && !isNoMatch(err) {
						errMu.Lock()
						untyped = append(untyped, fmt.Sprintf("%s: %T: %v", verb, err, err))
						errMu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	e.chaos.setRate(0)
	stopSampling()
	e.rc.CloseIdleConnections()
	heap1 := heap()

	_, injected := e.chaos.injected()
	total := 0
	for _, v := range loadVerbs {
		l := lat[v]
		total += l.count()
		t.Logf("%-6s %6d ops  p50 %8v  p99 %8v  max %8v", v, l.count(),
			l.quantile(0.5).Round(time.Microsecond), l.quantile(0.99).Round(time.Microsecond), l.quantile(1).Round(time.Microsecond))
	}
	t.Logf("%d workers for %v: %d operations, %d requests, %d faults injected, %d operations failed; "+
		"heap after GC %s before, %s after, peak sampled %s; %d goroutines at the end",
		loadWorkers, d, total, e.chaos.requests.Load(), injected, failures.Load(),
		mib(heap0), mib(heap1), mib(peak.Load()), runtime.NumGoroutine())
	assert.Empty(t, untyped, "every error is typed")
	assert.LessOrEqual(t, failures.Load(), injected, "no error beyond those injected")
	assert.Less(t, heap1, heap0+32<<20, "heap after the run")
}

// loadOp runs one operation of verb.
func loadOp(ctx context.Context, e *env, mapper *restmapper.Mapper, verb string) error {
	cms := e.dyn.Resource(configMaps).Namespace(loadNS)
	switch verb {
	case "lookup":
		gk := schema.GroupKind{Group: groupName(rand.IntN(loadGroups)), Kind: fmt.Sprintf("Widget%03d", rand.IntN(4))}
		_, err := mapper.RESTMappingWithContext(ctx, gk)
		return err
	case "get":
		_, err := cms.Get(ctx, fmt.Sprintf("shared-%d", rand.IntN(sharedCMs)), metav1.GetOptions{})
		return err
	case "list":
		_, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "role=shared"})
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	w := cms.ResumingWatch(ctx, metav1.ListOptions{LabelSelector: "role=shared"})
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			return fmt.Errorf("watch error event: %v", ev.Object)
		}
	}
	return nil
}

// sampleHeap records the largest HeapAlloc seen every 100 ms until the
// returned function is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
