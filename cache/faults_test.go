package cache_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
)

// The sizes of TestUnderFaults; the 10,000 objects:
//
//	go test -run TestUnderFaults -v ./cache/ -args -objects 10000
var (
	faultObjects = flag.Int("objects", 400, "objects TestUnderFaults starts with")
	faultOps     = flag.Int("ops", 2000, "random writes TestUnderFaults makes")
)

// TestUnderFaults syncs informers (cluster-wide with WatchList, one
// namespace, a label selector, and cluster-wide by paged lists), then makes
// 2,000 or more random creates, updates and deletes while the server drops
// connections, cuts every watch every 200 ms and keeps only 30 events of
// history (so resumes run into 410 Gone). Afterwards each store equals a
// fresh List, and each handler's notifications turned its first view into
// that state.
func TestUnderFaults(t *testing.T) {
	e := newEnv(t, fastOptions, fixture.WithWatchHistory(30), fixture.WithWatchesClosedEvery(200*time.Millisecond))
	e.installCRD(t)
	e.namespaces(t, "a", "b")
	e.createParallel(t, *faultObjects)
	ctx := ctxFor(t, 5*time.Minute)
	paged := newEnvFor(t, e.srv, e.srv.URL, cache.Options{DisableWatchList: true, PageSize: 100,
		MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff})

	type watched struct {
		name string
		inf  *cache.Informer
		src  dynamic.ResourceInterface
		sel  string
		recs []*recorder
	}
	var ws []*watched
	add := func(name string, c *cache.Cache, opts cache.InformerOptions, src dynamic.ResourceInterface) {
		inf, err := c.Informer(ctx, widgetGVK, opts)
		require.NoError(t, err)
		rec := newRecorder()
		inf.AddHandler(rec.handler())
		ws = append(ws, &watched{name: name, inf: inf, src: src, sel: opts.LabelSelector, recs: []*recorder{rec}})
	}
	all := e.dyn.Resource(widgetGVR)
	add("cluster-wide", e.cache, cache.InformerOptions{}, all)
	add("namespace a", e.cache, cache.InformerOptions{Namespace: "a"}, e.widgets("a"))
	add("tier=web", e.cache, cache.InformerOptions{LabelSelector: "tier=web"}, all)
	add("paged lists", paged.cache, cache.InformerOptions{}, all)
	for _, w := range ws {
		require.NoError(t, w.inf.WaitForSync(ctx), w.name)
	}

	writes := e.writeUntilFaulted(t, func(i int) {
		if i == *faultOps/2 { // a handler that joins halfway
			rec := newRecorder()
			ws[0].inf.AddHandler(rec.handler())
			ws[0].recs = append(ws[0].recs, rec)
		}
	}, func() (restarts, relists uint64) {
		for _, w := range ws {
			st := w.inf.Stats()
			restarts, relists = restarts+st.WatchRestarts, relists+st.Relists
		}
		return restarts, relists
	})
	t.Logf("writes: %v", writes)

	for _, w := range ws {
		t.Run(w.name, func(t *testing.T) {
			want := convergeSelected(t, w.inf, w.src, w.sel)
			drained(t, w.inf)
			for _, rec := range w.recs {
				rec.check(t, want)
			}
			st := w.inf.Stats()
			t.Logf("%d objects, %d events, %d syncs (%d relists), %d watch restarts", st.Objects, st.Events, st.Syncs, st.Relists, st.WatchRestarts)
		})
	}
}

// writeUntilFaulted makes *faultOps random writes with 4 writers, calling
// each(i) before the i-th, while the chaos runs, then more in rounds of a
// tenth until stats report a watch cut and a relist after 410 Gone: how
// many writes that takes depends on how fast this machine runs them. It
// fails the test if that takes more than 2 minutes. The faults are cleared
// before it returns.
func (e *env) writeUntilFaulted(t *testing.T, each func(int), stats func() (restarts, relists uint64)) map[string]int {
	stopChaos := e.chaos()
	defer e.srv.ClearFaults()
	defer stopChaos()
	deadline := time.Now().Add(2 * time.Minute)
	writes := e.randomWrites(t, *faultOps, 4, each)
	for {
		restarts, relists := stats()
		if restarts > 0 && relists > 0 {
			return writes
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes of writes (%v): %d watch restarts, %d relists after 410 Gone; want both", writes, restarts, relists)
		}
		for what, n := range e.randomWrites(t, max(*faultOps/10, 1), 4, func(int) {}) {
			writes[what] += n
		}
	}
}

// createParallel creates n widgets over default, a and b with 4 writers.
func (e *env) createParallel(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				ns := []string{"default", "a", "b"}[i%3]
				_, err := e.widgets(ns).Create(ctxFor(t, time.Minute), widget(ns, fmt.Sprintf("w%04d", i), i), metav1.CreateOptions{})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
}

// chaos drops a few connections of the informers' paths now and then, and
// now and then many, until the returned func is called.
func (e *env) chaos() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		paths := []string{"/apis/example.com/v1/widgets", "/apis/example.com/v1/namespaces/a/widgets"}
		t := time.NewTicker(75 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := 1 + rand.IntN(3)
				if rand.IntN(10) == 0 {
					n = 15 // an outage long enough to miss more than the history
				}
				e.srv.DropConnections(paths[rand.IntN(len(paths))], n)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// randomWrites makes n random creates, merge patches (of the spec, or of
// the tier label, which moves objects in and out of a selector) and
// deletes with the given number of writers, calling each(i) before the
// i-th. Writes that fail (a dropped connection, an object another writer
// deleted) are counted, not retried.
func (e *env) randomWrites(t *testing.T, n, writers int, each func(int)) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	count := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			what += " failed"
		}
		counts[what]++
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range next {
				ns := []string{"default", "a", "b"}[rand.IntN(3)]
				r := e.widgets(ns)
				name := fmt.Sprintf("w%04d", rand.IntN(*faultObjects+n/8))
				ctx := ctxFor(t, 20*time.Second)
				var err error
				switch op := rand.IntN(10); {
				case op < 3:
					_, err = r.Create(ctx, widget(ns, name, i), metav1.CreateOptions{})
					count("create", err)
				case op < 6:
					_, err = r.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"spec":{"size":%d}}`, i), metav1.PatchOptions{})
					count("update", err)
				case op < 8:
					tier := []string{"web", "cache", "db"}[rand.IntN(3)]
					_, err = r.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{"tier":%q}}}`, tier), metav1.PatchOptions{})
					count("relabel", err)
				default:
					err = r.Delete(ctx, name, metav1.DeleteOptions{})
					count("delete", err)
				}
			}
		})
	}
	for i := range n {
		each(i)
		next <- i
	}
	close(next)
	wg.Wait()
	return counts
}
