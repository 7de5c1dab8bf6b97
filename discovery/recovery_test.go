package discovery

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

// TestStaleGroupRecoversOnTheNextCall checks that a group-version marked
// Stale is retried on the next call, within the TTL, and what that costs:
// 2 conditional requests per call while it is Stale (304 while nothing
// changed), one full /apis when it recovers, none once it has.
func TestStaleGroupRecoversOnTheNextCall(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(50, 2), Options{})
	gv := schema.GroupVersion{Group: "group007.example.com", Version: "v1"}
	srv.MarkStale(gv.Group, gv.Version)
	gs, lists, err := c.GroupsAndResources(ctx)
	var partial *PartialError
	require.ErrorAs(t, err, &partial)
	assert.Equal(t, []schema.GroupVersion{gv}, partial.GroupVersions())
	assert.Equal(t, 2, srv.Stats().Requests, "cold")

	srv.ResetStats()
	_, _, err = c.GroupsAndResources(ctx)
	require.ErrorAs(t, err, &partial, "still Stale")
	assert.Equal(t, fixture.Stats{Requests: 2, NotModified: 2, Paths: map[string]int{"/api": 1, "/apis": 1}}, srv.Stats(),
		"a Stale group-version is retried on the next call, conditionally")

	srv.ClearFaults()
	srv.ResetStats()
	gs2, lists2, err := c.GroupsAndResources(ctx)
	require.NoError(t, err, "recovered on the next call, without waiting for the TTL")
	assert.Len(t, lists2, len(lists)+1)
	assert.Equal(t, countGVs(gs), countGVs(gs2)-1, "the version without data is listed again")
	st := srv.Stats()
	assert.Equal(t, map[string]int{"/api": 1, "/apis": 1}, st.Paths)
	assert.Equal(t, 1, st.NotModified, "/api did not change")
	list, err := c.Resources(ctx, gv)
	require.NoError(t, err)
	assert.Equal(t, gv.String(), list.GroupVersion)

	srv.ResetStats()
	_, _, err = c.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Zero(t, srv.Stats().Requests, "healthy again: warm within the TTL")
}

// TestStaleRetryFailureKeepsServing checks that a failed retry of a Stale
// group-version within the TTL does not turn the data already held into an
// error: the caller still gets it, with the Stale group-version named.
func TestStaleRetryFailureKeepsServing(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(5, 1), Options{})
	gv := schema.GroupVersion{Group: "group003.example.com", Version: "v1"}
	srv.MarkStale(gv.Group, gv.Version)
	_, lists, err := c.GroupsAndResources(ctx)
	var partial *PartialError
	require.ErrorAs(t, err, &partial)

	srv.FailPath("/apis", 500)
	srv.ResetStats()
	_, lists2, err := c.GroupsAndResources(ctx)
	require.ErrorAs(t, err, &partial)
	assert.False(t, apierrors.IsInternalError(err), "the failed retry is not the answer: %v", err)
	assert.Equal(t, []schema.GroupVersion{gv}, partial.GroupVersions())
	assert.Equal(t, lists, lists2)
	assert.Equal(t, 1, srv.Stats().Paths["/apis"], "the retry was made")
}

// TestFailedLegacyGroupRecoversOnTheNextCall checks the legacy counterpart:
// a group-version whose document failed is fetched again on the next call,
// and only it.
func TestFailedLegacyGroupRecoversOnTheNextCall(t *testing.T) {
	ctx := context.Background()
	c, srv := newTestServer(t, fixture.Synthetic(50, 2), Options{}, fixture.WithoutAggregated())
	const failing = "group007.example.com"
	srv.FailGroup(failing, 503)
	gs, lists, err := c.GroupsAndResources(ctx)
	var partial *PartialError
	require.ErrorAs(t, err, &partial)
	assert.Len(t, partial.Failed, 2)

	srv.ClearFaults()
	srv.ResetStats()
	_, lists2, err := c.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Len(t, lists2, len(lists)+2)
	assert.Equal(t, len(lists2), countGVs(gs))
	assert.Equal(t, map[string]int{"/apis/" + failing + "/v1": 1, "/apis/" + failing + "/v1beta1": 1}, srv.Stats().Paths,
		"only the failed group-versions are fetched again")
}
