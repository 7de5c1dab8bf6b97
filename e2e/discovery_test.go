package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
)

func TestDiscoveryServerVersion(t *testing.T) {
	cfg, _ := countedConfig(t)
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	info, err := dc.ServerVersion(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v1.37.2", info.GitVersion)
	assert.Equal(t, "1", info.Major)
	assert.Equal(t, "37", info.Minor)
}

// TestDiscoveryAggregated: two requests cold, none warm, two conditional
// requests answered 304 once the TTL has passed.
func TestDiscoveryAggregated(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	const ttl = 200 * time.Millisecond
	dc, err := discovery.NewForConfig(cfg, discovery.Options{TTL: ttl})
	require.NoError(t, err)

	groups, lists, err := dc.GroupsAndResources(ctx)
	require.NoError(t, err)
	assertHasBaseCRDs(t, groups, lists)
	cold := count.take()
	assert.Equal(t, []string{"GET /api", "GET /apis"}, paths(cold))
	for _, r := range cold {
		assert.Equal(t, http.StatusOK, r.Status, r)
		assert.Contains(t, r.ContentType, "as=APIGroupDiscoveryList", r)
	}

	_, _, err = dc.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Empty(t, count.take(), "within the TTL")

	time.Sleep(2 * ttl)
	_, lists2, err := dc.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Equal(t, lists, lists2)
	revalidated := count.take()
	assert.Equal(t, []string{"GET /api", "GET /apis"}, paths(revalidated))
	for _, r := range revalidated {
		assert.Equal(t, http.StatusNotModified, r.Status, r)
		assert.NotEmpty(t, r.IfNoneMatch, r)
	}
}

// TestDiscoveryLegacy forces legacy discovery (the roots are asked for in
// plain JSON) and expects 2 + one request per group-version, and the same
// answers as aggregated discovery.
func TestDiscoveryLegacy(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	count.forceLegacy = true
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	groups, lists, err := dc.GroupsAndResources(ctx)
	require.NoError(t, err)
	assertHasBaseCRDs(t, groups, lists)

	gvs := 0
	for _, g := range groups {
		gvs += len(g.Versions)
	}
	reqs := count.take()
	assert.Len(t, reqs, 2+gvs, "%v", reqs)
	for _, r := range reqs {
		assert.Equal(t, http.StatusOK, r.Status, r)
		assert.NotContains(t, r.ContentType, "APIGroupDiscoveryList", r)
	}

	aggCfg, _ := countedConfig(t)
	agg, err := discovery.NewForConfig(aggCfg, discovery.Options{})
	require.NoError(t, err)
	aggGroups, aggLists, err := agg.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Equal(t, groupNames(aggGroups), groupNames(groups))
	assertSameResources(t, "legacy vs aggregated", comparableResources(aggLists), comparableResources(lists))

	pref, err := dc.PreferredResources(ctx)
	require.NoError(t, err)
	aggPref, err := agg.PreferredResources(ctx)
	require.NoError(t, err)
	assertSameResources(t, "legacy vs aggregated preferred", comparableResources(aggPref), comparableResources(pref))
}

func assertHasBaseCRDs(t *testing.T, groups []*metav1.APIGroup, lists []*metav1.APIResourceList) {
	t.Helper()
	assert.Contains(t, groupNames(groups), "stable.kdyn.dev")
	assert.Contains(t, groupNames(groups), "platform.kdyn.dev")
	assert.True(t, listsResource(lists, widgetsV1.GroupVersion().String(), "widgets/scale"))
	assert.True(t, listsResource(lists, widgetsV1beta1.GroupVersion().String(), "widgets/status"))
	assert.True(t, listsResource(lists, tenantsV1.GroupVersion().String(), "tenants"))
}

func groupNames(groups []*metav1.APIGroup) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.Name
	}
	return out
}

// comparableResources drops what only one view carries so that both can be
// compared: storageVersionHash is only in legacy discovery, and the server's
// aggregated document names the group and version of CR kinds, the legacy
// one does not.
func comparableResources(lists []*metav1.APIResourceList) map[string][]metav1.APIResource {
	out := map[string][]metav1.APIResource{}
	for _, l := range lists {
		rs := []metav1.APIResource{}
		gv, _ := schema.ParseGroupVersion(l.GroupVersion)
		for _, r := range l.APIResources {
			r.StorageVersionHash = ""
			if r.Group == gv.Group && r.Version == gv.Version {
				r.Group, r.Version = "", ""
			}
			rs = append(rs, r)
		}
		out[l.GroupVersion] = rs
	}
	return out
}
