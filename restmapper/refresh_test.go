package restmapper

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTestMapper(f *fakeDiscovery) (*Mapper, *fakeClock) {
	m := New(f, Options{})
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	m.now = c.now
	return m, c
}

// twoGroups is a core group plus apps (v1, v1beta1) and batch (v1).
func twoGroups() *fakeDiscovery {
	f := newFake()
	f.addGroup("", "v1")
	f.addResource(schema.GroupVersion{Version: "v1"}, res("pods", "pod", "Pod", true, "po"))
	f.addGroup("apps", "v1", "v1beta1")
	f.addResource(schema.GroupVersion{Group: "apps", Version: "v1"}, res("deployments", "deployment", "Deployment", true, "deploy"))
	f.addResource(schema.GroupVersion{Group: "apps", Version: "v1beta1"}, res("deployments", "deployment", "Deployment", true, "deploy"))
	f.addGroup("batch", "v1")
	f.addResource(schema.GroupVersion{Group: "batch", Version: "v1"}, res("jobs", "job", "Job", true))
	return f
}

var (
	deploymentGK = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	widgetGVR    = schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "widgets"}
	widgetGK     = schema.GroupKind{Group: "stable.example.com", Kind: "Widget"}
)

func TestLazyLoading(t *testing.T) {
	ctx := context.Background()
	t.Run("a group lookup loads the list and that group only", func(t *testing.T) {
		f := twoGroups()
		m, _ := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, deploymentGK)
		require.NoError(t, err)
		assert.EqualValues(t, 1, f.groupCalls.Load())
		assert.EqualValues(t, 2, f.resourceCalls.Load(), "apps/v1 and apps/v1beta1")

		_, err = m.RESTMappingWithContext(ctx, deploymentGK, "v1beta1")
		require.NoError(t, err)
		assert.EqualValues(t, 3, f.calls(), "warm lookups make no calls")
	})
	t.Run("a lookup without a group loads every group", func(t *testing.T) {
		f := twoGroups()
		m, _ := newTestMapper(f)
		gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "jobs"})
		require.NoError(t, err)
		assert.Equal(t, schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}, gvr)
		assert.EqualValues(t, 1+4, f.calls())
	})
}

func TestMisspeltKindInAHotLoop(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		lookup func(m *Mapper) error
	}{
		{"RESTMapping", func(m *Mapper) error {
			_, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deploymnet"})
			return err
		}},
		{"ResourceFor with group", func(m *Mapper) error {
			_, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Group: "apps", Resource: "deploymnets"})
			return err
		}},
		{"KindFor without group", func(m *Mapper) error {
			_, err := m.KindForWithContext(ctx, schema.GroupVersionResource{Resource: "deploymnets"})
			return err
		}},
		{"unknown group", func(m *Mapper) error {
			_, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps.exmaple.com", Kind: "Deployment"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := twoGroups()
			m, clock := newTestMapper(f)
			for range 10000 {
				require.True(t, meta.IsNoMatchError(tc.lookup(m)))
			}
			assert.LessOrEqual(t, f.calls(), int64(12), "cold load plus one refresh")

			// After the backoff one more refresh, then twice the backoff.
			before := f.calls()
			clock.advance(time.Second)
			require.Error(t, tc.lookup(m))
			refreshed := f.calls()
			assert.Greater(t, refreshed, before)
			clock.advance(1500 * time.Millisecond)
			require.Error(t, tc.lookup(m))
			assert.Equal(t, refreshed, f.calls(), "the backoff doubled to 2 s")
			clock.advance(time.Second)
			require.Error(t, tc.lookup(m))
			assert.Greater(t, f.calls(), refreshed)
		})
	}
}

func TestKindInstalledLater(t *testing.T) {
	ctx := context.Background()
	install := func(f *fakeDiscovery) {
		f.addGroup("stable.example.com", "v1")
		f.addResource(widgetGVR.GroupVersion(), res("widgets", "widget", "Widget", true, "wg"))
	}
	t.Run("first lookup after install", func(t *testing.T) {
		f := twoGroups()
		m, _ := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, deploymentGK)
		require.NoError(t, err)
		install(f)
		before := f.calls()
		mp, err := m.RESTMappingWithContext(ctx, widgetGK)
		require.NoError(t, err)
		assert.Equal(t, widgetGVR, mp.Resource)
		assert.EqualValues(t, 2, f.calls()-before, "one Groups and one Resources call")
	})
	t.Run("after a miss, once the backoff passed", func(t *testing.T) {
		f := twoGroups()
		m, clock := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, widgetGK)
		require.True(t, meta.IsNoMatchError(err))
		install(f)
		_, err = m.RESTMappingWithContext(ctx, widgetGK)
		require.True(t, meta.IsNoMatchError(err), "still in backoff")
		clock.advance(time.Second)
		mp, err := m.RESTMappingWithContext(ctx, widgetGK)
		require.NoError(t, err)
		assert.Equal(t, widgetGVR, mp.Resource)
		gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "widget"})
		require.NoError(t, err)
		assert.Equal(t, widgetGVR, gvr)
	})
	t.Run("new kind in a loaded group", func(t *testing.T) {
		f := twoGroups()
		m, _ := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, deploymentGK)
		require.NoError(t, err)
		f.addResource(schema.GroupVersion{Group: "apps", Version: "v1"}, res("statefulsets", "statefulset", "StatefulSet", true, "sts"))
		mp, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "StatefulSet"})
		require.NoError(t, err)
		assert.Equal(t, "statefulsets", mp.Resource.Resource)
	})
}

func TestPartialFailure(t *testing.T) {
	ctx := context.Background()
	unavailable := apierrors.NewServiceUnavailable("metrics down")
	t.Run("a failed group fails only its lookups", func(t *testing.T) {
		f := twoGroups()
		f.fail(schema.GroupVersion{Group: "batch", Version: "v1"}, unavailable)
		m, _ := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, deploymentGK)
		require.NoError(t, err)
		_, err = m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "pods"})
		require.NoError(t, err)

		_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "Job"})
		var de *DiscoveryError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, de.Failed, schema.GroupVersion{Group: "batch", Version: "v1"})
		assert.True(t, apierrors.IsServiceUnavailable(err))
		assert.False(t, meta.IsNoMatchError(err), "the kind may exist")
	})
	t.Run("NotFound counts as no match", func(t *testing.T) {
		f := twoGroups()
		f.fail(schema.GroupVersion{Group: "batch", Version: "v1"}, apierrors.NewNotFound(schema.GroupResource{}, "batch/v1"))
		m, _ := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "Job"})
		var de *DiscoveryError
		require.ErrorAs(t, err, &de)
		assert.True(t, meta.IsNoMatchError(err))
	})
	t.Run("last good data keeps serving", func(t *testing.T) {
		f := twoGroups()
		m, clock := newTestMapper(f)
		_, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "Job"})
		require.NoError(t, err)
		f.fail(schema.GroupVersion{Group: "batch", Version: "v1"}, unavailable)
		clock.advance(time.Minute)
		// A miss refreshes batch, whose discovery now fails.
		_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "CronJob"})
		var de *DiscoveryError
		require.ErrorAs(t, err, &de)
		mp, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "Job"})
		require.NoError(t, err)
		assert.Equal(t, "jobs", mp.Resource.Resource)

		f.fail(schema.GroupVersion{Group: "batch", Version: "v1"}, nil)
		clock.advance(time.Minute)
		_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "CronJob"})
		require.True(t, meta.IsNoMatchError(err))
		require.False(t, errors.As(err, &de), "healed")
	})
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	f := twoGroups()
	m, _ := newTestMapper(f)
	_, err := m.RESTMappingWithContext(ctx, deploymentGK)
	require.NoError(t, err)
	before := f.calls()
	m.Reset()
	_, err = m.RESTMappingWithContext(ctx, deploymentGK)
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.calls()-before, "read again after Reset")
	assert.Positive(t, f.invalidations.Load())
}

func TestConcurrentLookups(t *testing.T) {
	ctx := context.Background()
	f := twoGroups()
	m, clock := newTestMapper(f)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			for j := range 200 {
				switch (i + j) % 5 {
				case 0:
					_, err := m.RESTMappingWithContext(ctx, deploymentGK)
					assert.NoError(t, err)
				case 1:
					_, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "po"})
					assert.True(t, meta.IsNoMatchError(err))
				case 2:
					_, err := m.KindsForWithContext(ctx, schema.GroupVersionResource{Resource: "jobs"})
					assert.NoError(t, err)
				case 3:
					_, _ = m.RESTMappingWithContext(ctx, widgetGK)
				case 4:
					if i == 0 && j%40 == 4 {
						m.Reset()
						clock.advance(time.Second)
					}
				}
			}
		})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.addGroup("stable.example.com", "v1")
		f.addResource(widgetGVR.GroupVersion(), res("widgets", "widget", "Widget", true))
	}()
	wg.Wait()
	clock.advance(time.Minute)
	mp, err := m.RESTMappingWithContext(ctx, widgetGK)
	require.NoError(t, err)
	assert.Equal(t, widgetGVR, mp.Resource)
}

func TestCallerCancellation(t *testing.T) {
	f := twoGroups()
	m, _ := newTestMapper(f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.RESTMappingWithContext(ctx, deploymentGK)
	require.ErrorIs(t, err, context.Canceled)
	// The shared load was not cancelled with that caller.
	_, err = m.RESTMappingWithContext(context.Background(), deploymentGK)
	require.NoError(t, err)
}

func TestConcurrentLookupsOfANewKind(t *testing.T) {
	ctx := context.Background()
	f := twoGroups()
	m, _ := newTestMapper(f)
	_, err := m.RESTMappingWithContext(ctx, deploymentGK)
	require.NoError(t, err)
	f.addGroup("stable.example.com", "v1")
	f.addResource(widgetGVR.GroupVersion(), res("widgets", "widget", "Widget", true))
	before := f.calls()

	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			mp, err := m.RESTMappingWithContext(ctx, widgetGK)
			if assert.NoError(t, err, "no lookup misses while the refresh runs") {
				assert.Equal(t, widgetGVR, mp.Resource)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, f.calls()-before, int64(2), "one shared refresh")
}

// gatedDiscovery blocks Groups, once armed, until released.
type gatedDiscovery struct {
	*fakeDiscovery
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (g *gatedDiscovery) Groups(ctx context.Context) (*metav1.APIGroupList, error) {
	if g.armed.CompareAndSwap(true, false) {
		close(g.entered)
		<-g.release
	}
	return g.fakeDiscovery.Groups(ctx)
}

func TestCancelledRefresherDoesNotFailWaiters(t *testing.T) {
	f := twoGroups()
	g := &gatedDiscovery{fakeDiscovery: f, entered: make(chan struct{}), release: make(chan struct{})}
	m := New(g, Options{})
	_, err := m.RESTMappingWithContext(context.Background(), deploymentGK)
	require.NoError(t, err)
	f.addGroup("stable.example.com", "v1")
	f.addResource(widgetGVR.GroupVersion(), res("widgets", "widget", "Widget", true))
	g.armed.Store(true)

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := m.RESTMappingWithContext(ctx, widgetGK); first <- err }()
	<-g.entered // the first caller's refresh is reading the group list

	second := make(chan error, 1)
	go func() { _, err := m.RESTMappingWithContext(context.Background(), widgetGK); second <- err }()
	time.Sleep(20 * time.Millisecond) // let the second caller wait for the refresh
	cancel()
	require.ErrorIs(t, <-first, context.Canceled)
	time.Sleep(20 * time.Millisecond)
	close(g.release)
	assert.NoError(t, <-second, "the refresh went on without the cancelled caller")
}
