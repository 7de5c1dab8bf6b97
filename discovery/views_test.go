package discovery

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/fixture"
)

// TestViewsAgree discovers every recorded cluster twice through the Client:
// over aggregated discovery (as recorded, or derived from the legacy
// documents for clusters recorded before aggregated discovery existed) and
// over legacy discovery only; both must give the same groups and resources.
// The only normalization is the one parseAggregated documents: aggregated
// discovery carries no storageVersionHash and no serverAddressByClientCIDRs.
func TestViewsAgree(t *testing.T) {
	entries, err := os.ReadDir(clustersDir)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			cluster := loadCluster(t, e.Name())
			aggregated := []fixture.Option{fixture.WithAggregatedFromLegacy()}
			if _, err := os.Stat(filepath.Join(clustersDir, e.Name(), "aggregated", "apis.json")); err == nil {
				aggregated = nil // as recorded
			}
			agg, aggSrv := newTestServer(t, cluster, Options{}, aggregated...)
			legacy, legacySrv := newTestServer(t, cluster, Options{}, fixture.WithoutAggregated())

			aggGroups, aggLists := groupsAndResources(t, agg)
			legacyGroups, legacyLists := groupsAndResources(t, legacy)
			assert.Equal(t, legacyGroups, aggGroups)
			assert.Equal(t, slices.Sorted(maps.Keys(legacyLists)), slices.Sorted(maps.Keys(aggLists)))
			for gv, want := range legacyLists {
				for name, r := range want {
					assert.Equal(t, r, aggLists[gv][name], "%s %s", gv, name)
				}
				assert.Len(t, aggLists[gv], len(want), gv)
			}
			t.Logf("%d groups, %d group-versions: %d requests aggregated, %d legacy",
				len(aggGroups), len(aggLists), aggSrv.Stats().Requests, legacySrv.Stats().Requests)
		})
	}
}

func groupsAndResources(t *testing.T, c *Client) ([]metav1.APIGroup, map[string]map[string]metav1.APIResource) {
	t.Helper()
	groups, lists, err := c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	gs := make([]metav1.APIGroup, len(groups))
	for i, g := range groups {
		gs[i] = *g
		gs[i].ServerAddressByClientCIDRs = nil
		gs[i].TypeMeta = metav1.TypeMeta{} // some servers set it on each group of an APIGroupList
	}
	byGV := make(map[string]map[string]metav1.APIResource, len(lists))
	for _, l := range lists {
		byGV[l.GroupVersion] = byName(spellKinds(normalizeLegacy(l.DeepCopy())))
	}
	return gs, byGV
}
