package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
)

const (
	faultOps     = 10_000
	faultRate    = 0.2
	faultWorkers = 16
	faultNS      = "chaos"
	sharedCMs    = 20
)

// outcomes counts what the operations of a run ended in, by verb.
type outcomes struct {
	mu      sync.Mutex // guards the fields
	ok      map[string]int
	failed  map[string]int
	untyped []string // errors that are neither API errors nor *rest.RequestError
	gone    int      // resuming watches ended by 410 Gone
	events  int      // watch events received
}

func (o *outcomes) record(verb string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ok == nil {
		o.ok, o.failed = map[string]int{}, map[string]int{}
	}
	switch {
	case err == nil:
		o.ok[verb]++
	case typed(err):
		o.failed[verb]++
	default:
		o.untyped = append(o.untyped, fmt.Sprintf("%s: %T: %v", verb, err, err))
	}
}

// TestFaultInjection sends 10,000 operations through rest and dynamic to
// the fixture server while 20% of the requests the server receives get a
// fault: 429 and 503 with Retry-After: 0, 500, connections reset before and
// after the store applied a write, truncated and slow bodies, watch streams
// cut inside an event. Every operation ends in success or a typed error, no
// write reaches the store again once applied, memory stays flat, and (in
// TestMain) no goroutine is left behind.
func TestFaultInjection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := newEnv(t, fixture.Synthetic(4, 2))
	setUpChaosNamespace(t, ctx, e)
	workers := make([]*faultWorker, faultWorkers)
	for i := range workers {
		workers[i] = &faultWorker{id: i, e: e}
		_, err := e.dyn.Resource(configMaps).Namespace(faultNS).Create(ctx, withRole(configMap(faultNS, workers[i].own(), nil), "own"), metav1.CreateOptions{})
		require.NoError(t, err)
	}

	var out outcomes
	heap0 := heap()
	start := time.Now()
	e.chaos.setRate(faultRate)
	runOps(ctx, workers, faultOps/2, &out)
	heap1 := heap()
	runOps(ctx, workers, faultOps/2, &out)
	e.chaos.setRate(0)
	elapsed := time.Since(start)
	e.rc.CloseIdleConnections()
	heap2 := heap()

	kinds, injected := e.chaos.injected()
	requests := e.chaos.requests.Load()
	applied, twice, resent := e.chaos.writes.summary()
	t.Logf("%d operations in %v: %d requests reached the server, %d faults injected (%.1f%%): %v",
		faultOps, elapsed.Round(time.Millisecond), requests, injected, 100*float64(injected)/float64(requests), kinds)
	t.Logf("succeeded %v; typed errors %v; watch events %d, resumed %d, Gone %d",
		out.ok, out.failed, out.events, e.chaos.resumes.Load(), out.gone)
	t.Logf("writes applied %d, applied twice %d, resent after applied %d", applied, len(twice), len(resent))
	t.Logf("heap after GC: start %s, half-way %s, end %s", mib(heap0), mib(heap1), mib(heap2))

	assert.Empty(t, out.untyped, "every operation ends in success or a typed error")
	assert.NotZero(t, e.chaos.resumes.Load(), "broken watches resumed")
	assert.Empty(t, twice, "writes applied twice")
	assert.Empty(t, resent, "writes sent again after the store applied them")
	assert.InDelta(t, faultRate, float64(injected)/float64(requests), 0.03)
	assert.Less(t, heap2, heap1+16<<20, "heap grows in the second half of the run")
	assert.Less(t, heap2, heap0+48<<20, "heap grows over the run")
	checkCreated(t, ctx, e, workers)
}

func setUpChaosNamespace(t *testing.T, ctx context.Context, e *env) {
	t.Helper()
	_, err := e.dyn.Resource(namespaces).Create(ctx, namespace(faultNS), metav1.CreateOptions{})
	require.NoError(t, err)
	cms := e.dyn.Resource(configMaps).Namespace(faultNS)
	for i := range sharedCMs {
		_, err := cms.Create(ctx, withRole(configMap(faultNS, fmt.Sprintf("shared-%d", i), nil), "shared"), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

// runOps runs n operations spread over the workers.
func runOps(ctx context.Context, workers []*faultWorker, n int, out *outcomes) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				w.step(ctx, out)
			}
		})
	}
	wg.Wait()
}

// faultWorker sends a mix of operations; it owns one ConfigMap it updates
// and patches, and the ConfigMaps it creates, which it may delete.
type faultWorker struct {
	id      int
	e       *env
	n       int
	created []string // names whose Create succeeded and that no Delete was sent for
	deleted []string // names whose Delete succeeded
}

func (w *faultWorker) own() string { return fmt.Sprintf("own-%d", w.id) }

func (w *faultWorker) op(verb string) string {
	w.n++
	return fmt.Sprintf("%s %d-%d", verb, w.id, w.n)
}

func (w *faultWorker) step(ctx context.Context, out *outcomes) {
	cms := w.e.dyn.Resource(configMaps).Namespace(faultNS)
	shared := fmt.Sprintf("shared-%d", rand.IntN(sharedCMs))
	switch p := rand.IntN(100); {
	case p < 40:
		_, err := cms.Get(ctx, shared, metav1.GetOptions{})
		out.record("get", err)
	case p < 55:
		_, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "role=shared"})
		out.record("list", err)
	case p < 65:
		path := "/api/v1/namespaces/" + faultNS + "/configmaps/" + shared
		if p%2 == 0 {
			path = "/version"
		}
		out.record("rest get", w.e.rc.Get().AbsPath(path).Do(ctx).Error())
	case p < 73:
		op := w.op("create")
		name := fmt.Sprintf("w%d-%d", w.id, w.n)
		_, err := cms.Create(ctx, configMap(faultNS, name, map[string]any{opLabel: op}), metav1.CreateOptions{})
		if err == nil {
			w.created = append(w.created, name)
		}
		out.record("create", err)
	case p < 81:
		_, err := cms.Update(ctx, withRole(configMap(faultNS, w.own(), map[string]any{opLabel: w.op("update")}), "own"), metav1.UpdateOptions{})
		out.record("update", err)
	case p < 89:
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, opLabel, w.op("patch"))
		_, err := cms.Patch(ctx, w.own(), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		out.record("patch", err)
	case p < 95:
		if len(w.created) == 0 {
			return
		}
		// The name leaves created whatever the outcome: a failed Delete
		// may have been applied (a reset after the store answered).
		name := w.created[0]
		w.created = w.created[1:]
		err := cms.Delete(ctx, name, metav1.DeleteOptions{})
		if err == nil {
			w.deleted = append(w.deleted, name)
		}
		out.record("delete", err)
	default:
		w.watch(ctx, cms, out)
	}
}

// watch follows the namespace through a resuming watch for a moment.
func (w *faultWorker) watch(ctx context.Context, cms dynamic.ResourceInterface, out *outcomes) {
	// Long enough for a resume: the watcher waits 100 ms before reconnecting.
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	rw := cms.ResumingWatch(ctx, metav1.ListOptions{LabelSelector: "role=own"})
	defer rw.Stop()
	events, gone := 0, false
	var err error
	for ev := range rw.ResultChan() {
		switch ev.Type {
		case dynamic.Gone:
			gone = true
		case watch.Error:
			err = apierrors.FromObject(ev.Object)
		default:
			events++
		}
	}
	out.record("watch", err)
	out.mu.Lock()
	out.events += events
	if gone {
		out.gone++
	}
	out.mu.Unlock()
}

// checkCreated compares the store with what the clients were told: every
// acknowledged Create that was not deleted is there, and no acknowledged
// Delete left its object.
func checkCreated(t *testing.T, ctx context.Context, e *env, workers []*faultWorker) {
	list, err := e.dyn.Resource(configMaps).Namespace(faultNS).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	have := map[string]bool{}
	for _, item := range list.Items {
		have[item.GetName()] = true
	}
	var missing, undeleted []string
	for _, w := range workers {
		for _, name := range w.created {
			if !have[name] {
				missing = append(missing, name)
			}
		}
		for _, name := range w.deleted {
			if have[name] {
				undeleted = append(undeleted, name)
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "acknowledged creates missing from the store")
	assert.Empty(t, undeleted, "acknowledged deletes still in the store")
}

func withRole(u *unstructured.Unstructured, role string) *unstructured.Unstructured {
	u.SetLabels(map[string]string{"role": role})
	return u
}
