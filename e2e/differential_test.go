package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdiscovery "k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	cgrestmapper "k8s.io/client-go/restmapper"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/restmapper"
)

// TestDifferentialDiscovery points client-go and kdyn at the same server,
// both through aggregated discovery and both through legacy discovery:
// groups, resources, preferred resources and the version must be equal.
func TestDifferentialDiscovery(t *testing.T) {
	for name, legacy := range map[string]bool{"aggregated": false, "legacy": true} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cg, err := cgdiscovery.NewDiscoveryClientForConfig(srv.ClientGoConfig())
			require.NoError(t, err)
			cg.UseLegacyDiscovery = legacy
			cfg, count := countedConfig(t)
			count.forceLegacy = legacy
			kd, err := discovery.NewForConfig(cfg, discovery.Options{})
			require.NoError(t, err)

			cgGroups, cgLists, err := cg.ServerGroupsAndResources()
			require.NoError(t, err)
			kdGroups, kdLists, err := kd.GroupsAndResources(ctx)
			require.NoError(t, err)
			assert.Equal(t, cgGroups, kdGroups)
			if !legacy {
				serverSubresourceSingulars(cgLists)
			}
			assertSameResources(t, "GroupsAndResources", byGroupVersion(cgLists), byGroupVersion(kdLists))

			cgPref, err := cg.ServerPreferredResources()
			require.NoError(t, err)
			if !legacy {
				serverSubresourceSingulars(cgPref)
			}
			kdPref, err := kd.PreferredResources(ctx)
			require.NoError(t, err)
			// client-go builds its preferred lists from a map: their order is random.
			assertSameResources(t, "PreferredResources", sortedByName(byGroupVersion(cgPref)), sortedByName(byGroupVersion(kdPref)))

			cgList, err := cg.ServerGroups()
			require.NoError(t, err)
			kdList, err := kd.Groups(ctx)
			require.NoError(t, err)
			assert.Equal(t, cgList.Groups, kdList.Groups)

			cgVersion, err := cg.ServerVersion()
			require.NoError(t, err)
			kdVersion, err := kd.ServerVersion(ctx)
			require.NoError(t, err)
			assert.Equal(t, cgVersion, kdVersion)
		})
	}
}

// serverSubresourceSingulars undoes the one deliberate difference between
// the two clients: client-go's conversion of aggregated discovery gives a
// subresource ("deployments/scale") its parent's singular name, while the
// server's legacy documents leave it empty. kdyn reports what the server
// says in both modes, so that its aggregated and legacy views agree.
func serverSubresourceSingulars(lists []*metav1.APIResourceList) {
	for _, l := range lists {
		for i := range l.APIResources {
			if strings.Contains(l.APIResources[i].Name, "/") {
				l.APIResources[i].SingularName = ""
			}
		}
	}
}

// assertSameResources compares resource lists one resource at a time, so
// that a failure names what differs instead of printing every list.
func assertSameResources(t *testing.T, what string, want, got map[string][]metav1.APIResource) {
	t.Helper()
	for _, gv := range slices.Sorted(maps.Keys(want)) {
		assert.Equal(t, resourceNames(want[gv]), resourceNames(got[gv]), "%s %s: resources", what, gv)
		for _, w := range want[gv] {
			for _, g := range got[gv] {
				if g.Name == w.Name {
					assert.Equal(t, fmt.Sprintf("%+v", w), fmt.Sprintf("%+v", g), "%s %s", what, gv)
				}
			}
		}
	}
	for gv := range got {
		_, ok := want[gv]
		assert.True(t, ok, "%s: %s only in kdyn's answer", what, gv)
	}
}

func resourceNames(rs []metav1.APIResource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func sortedByName(lists map[string][]metav1.APIResource) map[string][]metav1.APIResource {
	for _, rs := range lists {
		slices.SortFunc(rs, func(a, b metav1.APIResource) int { return strings.Compare(a.Name, b.Name) })
	}
	return lists
}

func byGroupVersion(lists []*metav1.APIResourceList) map[string][]metav1.APIResource {
	out := map[string][]metav1.APIResource{}
	for _, l := range lists {
		if len(l.APIResources) > 0 {
			out[l.GroupVersion] = slices.Clone(l.APIResources)
		}
	}
	return out
}

// TestDifferentialMapper asks client-go's discovery mapper and kdyn's mapper
// every question about every resource the server lists (by full and partial
// resource, singular and short name, and kind): the answers must be equal.
// Neither mapper expands short names; that is the job of an expander on top.
func TestDifferentialMapper(t *testing.T) {
	t.Run("aggregated", func(t *testing.T) { differentialMapper(t, false) })
	t.Run("legacy", func(t *testing.T) { differentialMapper(t, true) })
}

func differentialMapper(t *testing.T, legacy bool) {
	ctx := context.Background()
	cg, err := cgdiscovery.NewDiscoveryClientForConfig(srv.ClientGoConfig())
	require.NoError(t, err)
	cg.UseLegacyDiscovery = legacy
	cached := memory.NewMemCacheClient(cg)
	cgm := cgrestmapper.NewDeferredDiscoveryRESTMapper(cached)
	cfg, count := countedConfig(t)
	count.forceLegacy = legacy
	kd, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	kdm := restmapper.New(kd, restmapper.Options{})

	_, lists, err := cg.ServerGroupsAndResources()
	require.NoError(t, err)
	questions := 0
	ask := func(what string, cgAnswer func() (any, error), kdAnswer func() (any, error)) {
		t.Helper()
		questions++
		want, wantErr := cgAnswer()
		got, gotErr := kdAnswer()
		if wantErr != nil || gotErr != nil {
			assert.Equal(t, wantErr != nil, gotErr != nil, "%s: client-go %v, kdyn %v", what, wantErr, gotErr)
			assert.Equal(t, meta.IsNoMatchError(wantErr), meta.IsNoMatchError(gotErr), "%s: client-go %v, kdyn %v", what, wantErr, gotErr)
			assert.Equal(t, meta.IsAmbiguousError(wantErr), meta.IsAmbiguousError(gotErr), "%s: client-go %v, kdyn %v", what, wantErr, gotErr)
			return
		}
		assert.Equal(t, want, got, what)
	}

	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		require.NoError(t, err)
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			inputs := []schema.GroupVersionResource{
				gv.WithResource(r.Name),
				{Group: gv.Group, Resource: r.Name},
				{Resource: r.Name},
				{Resource: r.SingularName},
			}
			for _, s := range r.ShortNames {
				inputs = append(inputs, schema.GroupVersionResource{Resource: s})
			}
			for _, in := range inputs {
				ask(fmt.Sprint("KindFor ", in),
					func() (any, error) { return cgm.KindFor(in) },
					func() (any, error) { return kdm.KindForWithContext(ctx, in) })
				ask(fmt.Sprint("KindsFor ", in),
					func() (any, error) { return cgm.KindsFor(in) },
					func() (any, error) { return kdm.KindsForWithContext(ctx, in) })
				ask(fmt.Sprint("ResourceFor ", in),
					func() (any, error) { return cgm.ResourceFor(in) },
					func() (any, error) { return kdm.ResourceForWithContext(ctx, in) })
				ask(fmt.Sprint("ResourcesFor ", in),
					func() (any, error) { return cgm.ResourcesFor(in) },
					func() (any, error) { return kdm.ResourcesForWithContext(ctx, in) })
			}
			ask("ResourceSingularizer "+r.Name,
				func() (any, error) { return cgm.ResourceSingularizer(r.Name) },
				func() (any, error) { return kdm.ResourceSingularizerWithContext(ctx, r.Name) })

			gk := schema.GroupKind{Group: gv.Group, Kind: r.Kind}
			ask(fmt.Sprint("RESTMapping ", gk),
				func() (any, error) { return flatMapping(cgm.RESTMapping(gk)) },
				func() (any, error) { return flatMapping(kdm.RESTMappingWithContext(ctx, gk)) })
			ask(fmt.Sprint("RESTMapping ", gk, " ", gv.Version),
				func() (any, error) { return flatMapping(cgm.RESTMapping(gk, gv.Version)) },
				func() (any, error) { return flatMapping(kdm.RESTMappingWithContext(ctx, gk, gv.Version)) })
			ask(fmt.Sprint("RESTMappings ", gk),
				func() (any, error) { return flatMappings(cgm.RESTMappings(gk)) },
				func() (any, error) { return flatMappings(kdm.RESTMappingsWithContext(ctx, gk)) })
		}
	}
	for _, in := range []schema.GroupVersionResource{{Resource: "nothings"}, {Group: "no.such.group", Resource: "widgets"}, {Resource: "all"}} {
		ask(fmt.Sprint("ResourceFor ", in),
			func() (any, error) { return cgm.ResourceFor(in) },
			func() (any, error) { return kdm.ResourceForWithContext(ctx, in) })
	}
	t.Logf("%d questions asked of both mappers", questions)
}

type mappingAnswer struct {
	Resource schema.GroupVersionResource
	Kind     schema.GroupVersionKind
	Scope    meta.RESTScopeName
}

func flatMapping(m *meta.RESTMapping, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return mappingAnswer{m.Resource, m.GroupVersionKind, m.Scope.Name()}, nil
}

func flatMappings(ms []*meta.RESTMapping, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	out := []mappingAnswer{}
	for _, m := range ms {
		out = append(out, mappingAnswer{m.Resource, m.GroupVersionKind, m.Scope.Name()})
	}
	slices.SortFunc(out, func(a, b mappingAnswer) int { return strings.Compare(a.Resource.String(), b.Resource.String()) })
	return out, nil
}
