package discovery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

func TestRequestCounts(t *testing.T) {
	const groups = 20
	tests := []struct {
		name       string
		serverOpts []fixture.Option
		cold       func(gvs int) int
	}{
		{"aggregated", nil, func(int) int { return 2 }},
		{"legacy", []fixture.Option{fixture.WithoutAggregated()}, func(gvs int) int { return 2 + gvs }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c, srv := newTestServer(t, fixture.Synthetic(groups, 3), Options{}, tt.serverOpts...)

			gs, lists, err := c.GroupsAndResources(ctx)
			require.NoError(t, err)
			gvs := countGVs(gs)
			assert.Len(t, lists, gvs)
			assert.Equal(t, tt.cold(gvs), srv.Stats().Requests, "cold")
			t.Logf("cold: %d requests for %d groups, %d group-versions", srv.Stats().Requests, len(gs), gvs)

			srv.ResetStats()
			_, _, err = c.GroupsAndResources(ctx)
			require.NoError(t, err)
			_, err = c.PreferredResources(ctx)
			require.NoError(t, err)
			_, err = c.Resources(ctx, schema.GroupVersion{Version: "v1"})
			require.NoError(t, err)
			assert.Zero(t, srv.Stats().Requests, "warm within the TTL")

			expire(c)
			srv.ResetStats()
			gs2, lists2, err := c.GroupsAndResources(ctx)
			require.NoError(t, err)
			st := srv.Stats()
			assert.Equal(t, tt.cold(gvs), st.Requests, "after the TTL")
			assert.Equal(t, st.Requests, st.NotModified, "every revalidation answered 304")
			assert.Zero(t, st.BodyBytes, "304s carry no body")
			assert.Equal(t, gs, gs2)
			assert.Equal(t, lists, lists2)
		})
	}
}

func TestTTLExpires(t *testing.T) {
	ctx := context.Background()
	ttl := 50 * time.Millisecond
	c, srv := newTestServer(t, fixture.Synthetic(1, 1), Options{TTL: ttl}, fixture.WithoutAggregated())
	gv := schema.GroupVersion{Group: "group000.example.com", Version: "v1"}
	_, err := c.Resources(ctx, gv)
	require.NoError(t, err)
	_, err = c.ServerVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, srv.Stats().Requests)

	time.Sleep(2 * ttl)
	srv.ResetStats()
	_, err = c.Resources(ctx, gv)
	require.NoError(t, err)
	_, err = c.ServerVersion(ctx)
	require.NoError(t, err)
	st := srv.Stats()
	assert.Equal(t, map[string]int{"/api": 1, "/apis": 1, "/apis/group000.example.com/v1": 1, "/version": 1}, st.Paths)
	assert.Equal(t, 3, st.NotModified, "the discovery documents are revalidated with their ETags")
}

func TestConcurrentColdLookups(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(50, 2), Options{}, fixture.WithLatency(20*time.Millisecond))
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = c.Groups(ctx)
			case 1:
				_, _, err = c.GroupsAndResources(ctx)
			default:
				_, err = c.Resources(ctx, schema.GroupVersion{Group: "group007.example.com", Version: "v1"})
			}
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 2, srv.Stats().Requests)
}

func TestConcurrentColdLookupsLegacy(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(10, 2), Options{Parallelism: 4}, fixture.WithoutAggregated())
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			_, _, err := c.GroupsAndResources(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	gs, err := c.Groups(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2+countGVs(ptrs(gs.Groups)), srv.Stats().Requests)
}

func TestPartialFailure(t *testing.T) {
	ctx := context.Background()
	const failing = "group007.example.com"
	t.Run("legacy 503", func(t *testing.T) {
		c, srv := newTestServer(t, fixture.Synthetic(50, 2), Options{}, fixture.WithoutAggregated())
		srv.FailGroup(failing, 503)
		gs, lists, err := c.GroupsAndResources(ctx)
		var partial *PartialError
		require.ErrorAs(t, err, &partial)
		assert.True(t, apierrors.IsServiceUnavailable(err), "the cause is visible through the PartialError: %v", err)
		for _, gv := range partial.GroupVersions() {
			assert.Equal(t, failing, gv.Group)
		}
		assert.Len(t, partial.Failed, 2, "both versions of the failing group")
		assert.Len(t, lists, countGVs(gs)-2, "every other group-version is served")

		srv.ClearFaults()
		_, lists, err = c.GroupsAndResources(ctx)
		require.NoError(t, err, "failures are not cached: the next call retries them")
		assert.Len(t, lists, countGVs(gs))

		// Now the group has last good data: a new failure keeps serving it.
		c.InvalidateGroup(failing)
		srv.FailGroup(failing, 503)
		gv := schema.GroupVersion{Group: failing, Version: "v1"}
		list, err := c.Resources(ctx, gv)
		require.ErrorAs(t, err, &partial)
		assert.Equal(t, []schema.GroupVersion{gv}, partial.GroupVersions())
		require.NotNil(t, list, "last good list")
		assert.Equal(t, gv.String(), list.GroupVersion)
	})
	t.Run("aggregated stale", func(t *testing.T) {
		c, srv := newTestServer(t, fixture.Synthetic(50, 2), Options{})
		gv := schema.GroupVersion{Group: failing, Version: "v1"}
		srv.MarkStale(gv.Group, gv.Version)
		_, lists, err := c.GroupsAndResources(ctx)
		var partial *PartialError
		require.ErrorAs(t, err, &partial)
		assert.Equal(t, []schema.GroupVersion{gv}, partial.GroupVersions())
		var stale *StaleError
		assert.ErrorAs(t, err, &stale)
		list, err := c.Resources(ctx, gv)
		assert.Nil(t, list, "never seen: nothing to serve")
		assert.ErrorAs(t, err, &partial)
		groups, err := c.Groups(ctx)
		require.NoError(t, err)
		assert.Equal(t, "v1beta1", findGroup(t, groups.Groups, failing).PreferredVersion.Version,
			"a stale version without data is not listed")

		srv.ClearFaults()
		c.InvalidateGroup(failing)
		_, lists2, err := c.GroupsAndResources(ctx)
		require.NoError(t, err, "recovered on the next refresh")
		assert.Len(t, lists2, len(lists)+1)

		srv.MarkStale(gv.Group, gv.Version)
		c.InvalidateGroup(failing)
		list, err = c.Resources(ctx, gv)
		assert.ErrorAs(t, err, &partial)
		require.NotNil(t, list, "stale again: the last good list is served")
		groups, err = c.Groups(ctx)
		require.NoError(t, err)
		assert.Equal(t, "v1", findGroup(t, groups.Groups, failing).PreferredVersion.Version)
	})
}

func TestRefreshFailureIsNotCached(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(3, 1), Options{})
	srv.FailPath("/apis", 500)
	_, err := c.Groups(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "discovery: get /apis: ")
	assert.True(t, apierrors.IsInternalError(err))
	srv.ClearFaults()
	_, err = c.Groups(ctx)
	require.NoError(t, err)
}

func TestCancelledCallerDoesNotPoisonTheCache(t *testing.T) {
	c, srv := newTestServer(t, fixture.Synthetic(3, 1), Options{}, fixture.WithLatency(100*time.Millisecond))
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := c.Groups(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	_, err = c.Groups(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Stats().Requests, "the second caller joined or reused the first refresh")
}

func TestResourcesOfUnservedGroupVersion(t *testing.T) {
	c, srv := newTestServer(t, fixture.Synthetic(3, 1), Options{})
	_, err := c.Resources(context.Background(), schema.GroupVersion{Group: "nope.example.com", Version: "v1"})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
	assert.Equal(t, 2, srv.Stats().Requests)
}

func TestDiscoveryIgnoresTheQPSLimit(t *testing.T) {
	srv := fixture.NewServer(fixture.Synthetic(30, 1), fixture.WithoutAggregated())
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.QPS, cfg.Burst = 1, 1
	c, err := NewForConfig(cfg, Options{})
	require.NoError(t, err)
	t.Cleanup(c.rc.CloseIdleConnections)
	start := time.Now()
	_, _, err = c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "62 requests at 1 QPS would take a minute")
}

func TestInvalidate(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(3, 1), Options{})
	_, err := c.Groups(ctx)
	require.NoError(t, err)
	c.Invalidate()
	srv.ResetStats()
	_, err = c.Groups(ctx)
	require.NoError(t, err)
	st := srv.Stats()
	assert.Equal(t, 2, st.Requests)
	assert.Zero(t, st.NotModified, "Invalidate forgets the validators too")

	c.InvalidateGroup("group001.example.com")
	srv.ResetStats()
	_, err = c.Groups(ctx)
	require.NoError(t, err)
	assert.Equal(t, fixture.Stats{Requests: 2, NotModified: 2, Paths: map[string]int{"/api": 1, "/apis": 1}}, srv.Stats())
}

func TestServerVersion(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(1, 1), Options{})
	v, err := c.ServerVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v1.37.2", v.GitVersion)
	_, err = c.ServerVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Requests)
}

func TestPartialErrorMessage(t *testing.T) {
	err := &PartialError{Failed: map[schema.GroupVersion]error{
		{Group: "b.io", Version: "v1"}: errors.New("boom"),
		{Version: "v1"}:                errors.New("down"),
	}}
	assert.Equal(t, "discovery: 2 group-version(s) failed: v1: down; b.io/v1: boom", err.Error())
	assert.Len(t, err.Unwrap(), 2)
}
