package cache_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kdyn/kdyn/cache"
)

// TestKindInstalledLater: an informer for a kind whose CRD is not installed
// is returned at once, Waiting, without holding back the other informers;
// it syncs once the CRD is installed.
func TestKindInstalledLater(t *testing.T) {
	e := newEnv(t, fastOptions)
	ctx := ctxFor(t, 30*time.Second)
	widgets, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	assert.Equal(t, cache.Waiting, widgets.State())
	rec := newRecorder()
	widgets.AddHandler(rec.handler())
	cms, err := e.cache.Informer(ctx, configMapGVK, cache.InformerOptions{})
	require.NoError(t, err)
	require.NoError(t, e.cache.WaitForSync(ctx), "a Waiting informer does not hold back the Cache")
	assert.True(t, cms.HasSynced())
	assert.Equal(t, cache.Waiting, widgets.State())
	require.Error(t, widgets.Stats().LastError, "why it waits")

	e.installCRD(t)
	e.createWidgets(t, 20, "default")
	require.NoError(t, widgets.WaitForSync(ctx))
	want := converge(t, widgets, e.widgets("default"))
	drained(t, widgets)
	rec.check(t, want)
	same, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	assert.Same(t, widgets, same, "found by its resource now that the kind is mapped")
}

// TestKindDeletedAndRecreated: deleting the CRD under a running informer
// delivers OnDelete for its objects and leaves it Waiting with no
// goroutine but its wait; re-creating the CRD brings it back.
func TestKindDeletedAndRecreated(t *testing.T) {
	// The fixture closes a deleted CRD's watches a moment before it stops
	// serving the resource, so a watch resumed in that moment stays open
	// (the real API server tears such watches down within two minutes);
	// short watches end it sooner.
	// Once the kind is gone, the informer probes for it every second or two.
	opts := fastOptions
	opts.WatchTimeout = time.Second
	opts.KindPollInterval, opts.MaxBackoff = time.Second, 2*time.Second
	e := newEnv(t, opts)
	e.installCRD(t)
	e.createWidgets(t, 25, "default")
	ctx := ctxFor(t, 30*time.Second)
	before := goleak.IgnoreCurrent()

	own := newEnvFor(t, e.srv, e.srv.URL, opts) // a client of its own, to count its goroutines
	inf, err := own.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
	require.NoError(t, err)
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	require.NoError(t, inf.WaitForSync(ctx))
	drained(t, inf)

	e.deleteCRD(t)
	require.Eventually(t, func() bool { return inf.State() == cache.Waiting }, 10*time.Second, 10*time.Millisecond)
	drained(t, inf)
	rec.check(t, map[string]string{})
	_, _, _, deletes := rec.counts()
	assert.Equal(t, 25, deletes)
	assert.Empty(t, inf.List(nil))
	assert.False(t, inf.HasSynced())

	// Only the loop that waits for the kind is left: no watch, no handler goroutine.
	require.NoError(t, closeIdleAndFind([]*env{e, own}, before))

	e.installCRD(t)
	e.createWidgets(t, 5, "default")
	require.NoError(t, inf.WaitForSync(ctx))
	want := converge(t, inf, e.widgets("default"))
	drained(t, inf)
	rec.check(t, want)
	initial, adds, _, _ := rec.counts()
	assert.Equal(t, 25, initial, "objects of the re-created kind are not initial")
	assert.Equal(t, 30, adds)
	assert.Equal(t, uint64(2), inf.Stats().Syncs)
}

// closeIdleAndFind reports goroutines started since before, except the
// loop of an informer waiting for its kind. That loop looks its kind up
// now and then, and the connection it used may be open at that moment:
// connections left idle are closed and the search repeated, so that only
// goroutines that stay are reported.
func closeIdleAndFind(envs []*env, before goleak.Option) error {
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		for _, e := range envs {
			e.closeIdle()
		}
		if err = goleak.Find(before, goleak.IgnoreTopFunction("github.com/kdyn/kdyn/cache.sleep")); err == nil {
			return nil
		}
	}
	return err
}
