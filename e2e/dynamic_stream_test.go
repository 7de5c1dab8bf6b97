package e2e

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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
)

// TestDynamicPagination lists 1,200 objects 100 at a time with continue tokens.
func TestDynamicPagination(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-pages")
	dyn, count := newDynamic(t, dynamic.Options{})
	cms := dyn.Resource(configMapsV1).Namespace(ns)

	const total = 1200
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if _, err := cms.Create(ctx, configMap(fmt.Sprintf("cm-%04d", i), map[string]any{"i": fmt.Sprint(i)}), metav1.CreateOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range total {
		work <- i
	}
	close(work)
	wg.Wait()
	require.False(t, t.Failed())
	count.take()

	seen := map[string]bool{}
	for obj, err := range cms.All(ctx, metav1.ListOptions{Limit: 100}) {
		require.NoError(t, err)
		assert.False(t, seen[obj.GetName()], "duplicate %s", obj.GetName())
		seen[obj.GetName()] = true
	}
	assert.Len(t, seen, total)
	reqs := count.take()
	assert.Len(t, reqs, total/100)
	for i, r := range reqs {
		assert.Contains(t, r.Query, "limit=100", r)
		assert.Equal(t, i > 0, strings.Contains(r.Query, "continue="), r.Query)
	}

	first, err := cms.List(ctx, metav1.ListOptions{Limit: 500})
	require.NoError(t, err)
	assert.Len(t, first.Items, 500)
	assert.NotEmpty(t, first.GetContinue())
	second, err := cms.List(ctx, metav1.ListOptions{Limit: 1000, Continue: first.GetContinue()})
	require.NoError(t, err)
	assert.Len(t, second.Items, 700)
	assert.Empty(t, second.GetContinue())
	assert.Equal(t, ptr(int64(700)), first.GetRemainingItemCount())
}

// TestDynamicWatchResume: a ResumingWatcher survives the server closing the
// stream at its timeout, resumes without replaying, and delivers the
// bookmarks the server sends before each timeout.
func TestDynamicWatchResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-watch")
	dyn, count := newDynamic(t, dynamic.Options{})
	cms := dyn.Resource(configMapsV1).Namespace(ns)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("requests: %v", count.snapshot())
		}
	})

	list, err := cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	w := cms.ResumingWatch(ctx, metav1.ListOptions{
		ResourceVersion: list.GetResourceVersion(), AllowWatchBookmarks: true, TimeoutSeconds: ptr(int64(3)),
	})
	defer w.Stop()
	var bookmarks atomic.Int32
	events := make(chan watch.Event, 1000)
	go func() {
		defer close(events)
		for ev := range w.ResultChan() {
			if ev.Type == watch.Bookmark {
				bookmarks.Add(1)
			}
			events <- ev
		}
	}()

	_, err = cms.Create(ctx, configMap("first", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	ev := nextEvent(t, events, watch.Added)
	assert.Equal(t, "first", ev.Object.(*unstructured.Unstructured).GetName())

	// Past the 3 s timeout the server has ended the first stream.
	require.Eventually(t, func() bool { return watchRequests(count.snapshot()) >= 2 }, 20*time.Second, 100*time.Millisecond)
	_, err = cms.Create(ctx, configMap("second", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	ev = nextEvent(t, events, watch.Added)
	assert.Equal(t, "second", ev.Object.(*unstructured.Unstructured).GetName(), "no replay of the first object")

	// The server bookmarks a watch 2 s before its timeout, if the
	// resourceVersion moved since the watch started.
	require.Eventually(t, func() bool { return bookmarks.Load() > 0 }, 20*time.Second, 100*time.Millisecond)
	for _, r := range count.take() {
		if strings.Contains(r.Query, "watch=true") {
			assert.Contains(t, r.Query, "resourceVersion=", r.Query)
			assert.Contains(t, r.Query, "allowWatchBookmarks=true", r.Query)
		}
	}
}

// TestDynamicWatchGone: a watch from a resourceVersion etcd has compacted
// away ends with 410, and a ResumingWatcher reports it as Gone.
func TestDynamicWatchGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-gone")
	dyn, _ := newDynamic(t, dynamic.Options{})
	pts := dyn.Resource(podTemplatesV1).Namespace(ns) // not watch-cached, see TestMain

	list, err := pts.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	old := list.GetResourceVersion()
	// Two writes: a watch from old starts at old+1, which must be compacted too.
	for _, name := range []string{"pt1", "pt2"} {
		_, err = pts.Create(ctx, podTemplate(name), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, srv.CompactEtcd(ctx))

	w, err := pts.Watch(ctx, metav1.ListOptions{ResourceVersion: old})
	if err != nil {
		assert.True(t, apierrors.IsResourceExpired(err) || apierrors.IsGone(err), "%v", err)
	} else {
		ev := nextEvent(t, buffered(w.ResultChan()), watch.Error)
		w.Stop()
		assert.Equal(t, int32(http.StatusGone), ev.Object.(*metav1.Status).Code)
	}

	rw := pts.ResumingWatch(ctx, metav1.ListOptions{ResourceVersion: old})
	defer rw.Stop()
	events := buffered(rw.ResultChan())
	ev := nextEvent(t, events, dynamic.Gone)
	assert.Equal(t, int32(http.StatusGone), ev.Object.(*metav1.Status).Code)
	select {
	case _, open := <-events:
		assert.False(t, open, "the watch ends after Gone")
	case <-time.After(10 * time.Second):
		assert.Fail(t, "the watch goes on after Gone")
	}
}

// TestDynamicWatchList: the initial state arrives as ADDED events, then
// Synced, then changes.
func TestDynamicWatchList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-watchlist")
	dyn, count := newDynamic(t, dynamic.Options{})
	cms := dyn.Resource(configMapsV1).Namespace(ns)
	for i := range 5 {
		_, err := cms.Create(ctx, configMap(fmt.Sprintf("cm-%d", i), nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	count.take()

	s, err := cms.WatchList(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	defer s.Stop()
	initial := map[string]bool{}
	for synced := false; !synced; {
		select {
		case ev, ok := <-s.ResultChan():
			require.True(t, ok, "stream ended before it synced")
			if ev.Type == watch.Added {
				initial[ev.Object.(*unstructured.Unstructured).GetName()] = true
			}
		case <-s.Synced():
			synced = true
		case <-ctx.Done():
			require.FailNow(t, "never synced")
		}
	}
	for i := range 5 {
		assert.True(t, initial[fmt.Sprintf("cm-%d", i)], "cm-%d in the initial state", i)
	}
	assert.NotEmpty(t, s.SyncedResourceVersion())
	reqs := count.take()
	require.Len(t, reqs, 1, "one request, no list")
	assert.Contains(t, reqs[0].Query, "sendInitialEvents=true")

	_, err = cms.Create(ctx, configMap("later", nil), metav1.CreateOptions{})
	require.NoError(t, err)
	for {
		ev := nextEventOf(t, s.ResultChan())
		if ev.Type == watch.Added && ev.Object.(*unstructured.Unstructured).GetName() == "later" {
			break
		}
	}
}

// TestDynamicTable asks for the server's table view of a CR and a built-in kind.
func TestDynamicTable(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, srv, "e2e-table")
	dyn, _ := newDynamic(t, dynamic.Options{})
	widgets := dyn.Resource(widgetsV1).Namespace(ns)
	for i, color := range []string{"red", "blue"} {
		_, err := widgets.Create(ctx, widget("stable.kdyn.dev/v1", fmt.Sprintf("t%d", i), int64(i+1), color), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	table, err := widgets.Table(ctx, "", metav1.ListOptions{})
	require.NoError(t, err)
	var columns []string
	for _, c := range table.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	assert.Equal(t, []string{"Name", "Replicas", "Color"}, columns, "the CRD's printer columns")
	require.Len(t, table.Rows, 2)
	assert.Equal(t, []any{"t0", int64(1), "red"}, table.Rows[0].Cells[:3])

	one, err := widgets.Table(ctx, "t1", metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, one.Rows, 1)
	assert.Equal(t, "blue", one.Rows[0].Cells[2])

	_, err = dyn.Resource(deploymentsV1).Namespace(ns).Create(ctx, deployment("tabled", 1), metav1.CreateOptions{})
	require.NoError(t, err)
	dt, err := dyn.Resource(deploymentsV1).Namespace(ns).Table(ctx, "", metav1.ListOptions{})
	require.NoError(t, err)
	columns = columns[:0]
	for _, c := range dt.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	assert.Contains(t, columns, "Ready")
	assert.Contains(t, columns, "Up-to-date")
}

func nextEventOf(t *testing.T, ch <-chan watch.Event) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "watch ended")
		return ev
	case <-time.After(30 * time.Second):
		require.FailNow(t, "no event within 30s")
		return watch.Event{}
	}
}

// nextEvent skips events until one of type typ.
func nextEvent(t *testing.T, ch <-chan watch.Event, typ watch.EventType) watch.Event {
	t.Helper()
	for {
		ev := nextEventOf(t, ch)
		if ev.Type == typ {
			return ev
		}
		if ev.Type == watch.Error || ev.Type == dynamic.Gone {
			require.FailNow(t, "unexpected watch error", "%v", ev.Object)
		}
	}
}

// buffered copies a watch's events into a buffered channel until the watch
// ends, so that the watcher never waits for the test (a ResumingWatcher must
// be free to reconnect while the test waits for something else).
func buffered(in <-chan watch.Event) <-chan watch.Event {
	out := make(chan watch.Event, 1000)
	go func() {
		defer close(out)
		for ev := range in {
			out <- ev
		}
	}()
	return out
}

func watchRequests(reqs []seen) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r.Query, "watch=true") {
			n++
		}
	}
	return n
}
