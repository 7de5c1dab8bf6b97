package oracle

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// docs is one cluster's discovery data as client-go's
// ServerGroupsAndResources returns it: the core group first, then the /apis
// groups, and the resource lists of the group-versions that were read.
type docs struct {
	groups    []metav1.APIGroup
	resources map[schema.GroupVersion]*metav1.APIResourceList
}

// fakeDiscovery serves docs to kdyn's mapper.
type fakeDiscovery struct{ d *docs }

func (f fakeDiscovery) Groups(context.Context) (*metav1.APIGroupList, error) {
	return &metav1.APIGroupList{Groups: slices.Clone(f.d.groups)}, nil
}

func (f fakeDiscovery) Resources(_ context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	if rl, ok := f.d.resources[gv]; ok {
		return rl, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{}, gv.String())
}

func (fakeDiscovery) InvalidateGroup(string) {}

// served returns d without the versions it has no resources for, which is
// how client-go sees a version whose discovery failed. kdyn is given only
// what was served, so that both mappers see the same data.
func (d *docs) served() *docs {
	out := &docs{resources: d.resources}
	for _, g := range d.groups {
		g := *g.DeepCopy()
		g.Versions = slices.DeleteFunc(g.Versions, func(v metav1.GroupVersionForDiscovery) bool {
			_, ok := d.resources[schema.GroupVersion{Group: g.Name, Version: v.Version}]
			return !ok
		})
		out.groups = append(out.groups, g)
	}
	return out
}

func readJSON(t *testing.T, path string, into any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, into), path)
	return true
}

func coreGroup(v metav1.APIVersions) metav1.APIGroup {
	var g metav1.APIGroup
	for _, ver := range v.Versions {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: ver, Version: ver})
	}
	if len(g.Versions) > 0 {
		g.PreferredVersion = g.Versions[0]
	}
	return g
}

// loadLegacy reads the legacy documents of a recorded cluster; path maps a
// group-version to its file. It returns nil if the cluster has none.
func loadLegacy(t *testing.T, apiPath, apisPath string, path func(schema.GroupVersion) []string) *docs {
	t.Helper()
	d := &docs{resources: map[schema.GroupVersion]*metav1.APIResourceList{}}
	var core metav1.APIVersions
	hasCore := readJSON(t, apiPath, &core)
	var groups metav1.APIGroupList
	hasGroups := readJSON(t, apisPath, &groups)
	if !hasCore && !hasGroups {
		return nil
	}
	if hasCore {
		d.groups = append(d.groups, coreGroup(core))
	}
	d.groups = append(d.groups, groups.Groups...)
	for _, g := range d.groups {
		for _, v := range g.Versions {
			gv := schema.GroupVersion{Group: g.Name, Version: v.Version}
			for _, p := range path(gv) {
				var rl metav1.APIResourceList
				if readJSON(t, p, &rl) {
					d.resources[gv] = &rl
					break
				}
			}
		}
	}
	return d
}

// loadClusterDir reads a cluster in the testdata/clusters layout.
func loadClusterDir(t *testing.T, dir string) *docs {
	return loadLegacy(t, filepath.Join(dir, "api.json"), filepath.Join(dir, "apis.json"), func(gv schema.GroupVersion) []string {
		if gv.Group == "" {
			return []string{filepath.Join(dir, "api", gv.Version+".json")}
		}
		return []string{filepath.Join(dir, "apis", gv.Group, gv.Version+".json")}
	})
}

// loadFlat reads documents named as in /work/shared/fixtures
// (apis__<group>__<version>.json), looking in dirs in turn.
func loadFlat(t *testing.T, dirs ...string) *docs {
	return loadLegacy(t, filepath.Join(dirs[0], "api.json"), filepath.Join(dirs[0], "apis.json"), func(gv schema.GroupVersion) []string {
		name := "apis__" + gv.Group + "__" + gv.Version + ".json"
		if gv.Group == "" {
			name = "api__" + gv.Version + ".json"
		}
		var ps []string
		for _, d := range dirs {
			ps = append(ps, filepath.Join(d, name))
		}
		return ps
	})
}

// loadAggregated reads an aggregated /apis document (v2, or v2beta1, which
// has the same shape) and splits it as client-go does. core, if not nil,
// supplies the core group, which aggregated /apis does not carry.
func loadAggregated(t *testing.T, path string, core *docs) *docs {
	t.Helper()
	var list apidiscoveryv2.APIGroupDiscoveryList
	if !readJSON(t, path, &list) {
		return nil
	}
	groups, resources, failed := discovery.SplitGroupsAndResources(list)
	require.Empty(t, failed, path)
	d := &docs{resources: map[schema.GroupVersion]*metav1.APIResourceList{}}
	if core != nil && len(core.groups) > 0 && core.groups[0].Name == "" {
		d.groups = append(d.groups, core.groups[0])
		for gv, rl := range core.resources {
			if gv.Group == "" {
				d.resources[gv] = rl
			}
		}
	}
	d.groups = append(d.groups, groups.Groups...)
	for gv, rl := range resources {
		d.resources[gv] = rl
	}
	return d
}

// coreOnly reads a cluster that is a single /api/v1 document.
func coreOnly(t *testing.T, path string) *docs {
	t.Helper()
	var rl metav1.APIResourceList
	require.True(t, readJSON(t, path, &rl), path)
	return &docs{
		groups:    []metav1.APIGroup{coreGroup(metav1.APIVersions{Versions: []string{"v1"}})},
		resources: map[schema.GroupVersion]*metav1.APIResourceList{{Version: "v1"}: &rl},
	}
}
