package oracle

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgo "k8s.io/client-go/restmapper"

	kdyn "github.com/kdyn/kdyn/restmapper"
)

const (
	clustersDir = "../../testdata/clusters"
	fixturesDir = "/work/shared/fixtures"
)

// recorded returns every recorded cluster, by name.
func recorded(t *testing.T) map[string]*docs {
	out := map[string]*docs{}
	entries, err := os.ReadDir(clustersDir)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(clustersDir, e.Name())
		legacy := loadClusterDir(t, dir)
		if legacy != nil {
			out[e.Name()] = legacy
		}
		if agg := loadAggregated(t, filepath.Join(dir, "aggregated", "apis.json"), legacy); agg != nil {
			out[e.Name()+"/aggregated"] = agg
		}
	}
	require.NotEmpty(t, out)
	// The shared fixtures hold two sets the converter left out; read them
	// where this machine has them.
	if _, err := os.Stat(fixturesDir); err == nil {
		k := filepath.Join(fixturesDir, "kubernetes")
		out["fixtures/kubernetes-current"] = loadFlat(t, filepath.Join(k, "current"), filepath.Join(k, "current-nearest-mismatched"))
		out["fixtures/kubectl-cache-core-v1"] = coreOnly(t, filepath.Join(fixturesDir, "kubectl-cache-core-v1", "serverresources.json"))
	}
	return out
}

func TestRecordedClusters(t *testing.T) {
	for name, d := range recorded(t) {
		t.Run(name, func(t *testing.T) { compare(t, d.served()) })
	}
}

func TestSyntheticClusters(t *testing.T) {
	for seed := range 40 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { compare(t, synthetic(int64(seed)).served()) })
	}
}

// compare asks both mappers every question the documents suggest.
func compare(t *testing.T, d *docs) {
	t.Helper()
	compareMappers(t, d, func() *kdyn.Mapper { return kdyn.New(fakeDiscovery{d}, kdyn.Options{}) }, clientgo.NewDiscoveryRESTMapper(groupResources(d)))
}

// compareMappers asks one kdyn mapper every question, in random order, so
// that it answers in every state of lazy loading; every coldEvery-th question
// also goes to a new mapper that has loaded nothing.
func compareMappers(t *testing.T, d *docs, newMapper func() *kdyn.Mapper, want meta.RESTMapper) {
	t.Helper()
	const coldEvery = 97
	warm := newMapper()
	q := questions(d)
	require.NotEmpty(t, q.resources)
	mismatches := 0
	check := func(what string, g, w any, gerr, werr error) {
		if ok, why := same(g, w, gerr, werr); !ok {
			mismatches++
			if mismatches <= 20 {
				t.Errorf("%s: %s\n kdyn:      %v, %v\n client-go: %v, %v", what, why, g, gerr, w, werr)
			}
		}
	}
	for i, r := range q.resources {
		got := warm
		if i%coldEvery == 0 {
			got = newMapper()
		}
		g1, e1 := got.KindFor(r)
		w1, f1 := want.KindFor(r)
		check("KindFor "+gvrString(r), g1, w1, e1, f1)
		g2, e2 := got.KindsFor(r)
		w2, f2 := want.KindsFor(r)
		check("KindsFor "+gvrString(r), g2, w2, e2, f2)
		g3, e3 := got.ResourceFor(r)
		w3, f3 := want.ResourceFor(r)
		g4, e4 := got.ResourcesFor(r)
		w4, f4 := want.ResourcesFor(r)
		if candidates := unordered(want, r); candidates != nil {
			// Any candidate is right; kdyn must still give one of them.
			if !slices.Contains(candidates, g3) || e3 != nil || len(g4) != 1 || !slices.Contains(candidates, g4[0]) || e4 != nil {
				check("ResourceFor "+gvrString(r), g3, candidates, e3, nil)
			}
			continue
		}
		check("ResourceFor "+gvrString(r), g3, w3, e3, f3)
		check("ResourcesFor "+gvrString(r), g4, w4, e4, f4)
	}
	for i, k := range q.kinds {
		got := warm
		if i%coldEvery == 0 {
			got = newMapper()
		}
		what := fmt.Sprintf("%q %q", k.gk, k.versions)
		g1, e1 := got.RESTMapping(k.gk, k.versions...)
		w1, f1 := want.RESTMapping(k.gk, k.versions...)
		check("RESTMapping "+what, deref(g1), deref(w1), e1, f1)
		g2, e2 := got.RESTMappings(k.gk, k.versions...)
		w2, f2 := want.RESTMappings(k.gk, k.versions...)
		check("RESTMappings "+what, derefAll(g2), derefAll(w2), e2, f2)
	}
	for i, n := range q.names {
		got := warm
		if i%coldEvery == 0 {
			got = newMapper()
		}
		g, e := got.ResourceSingularizer(n)
		w, f := want.ResourceSingularizer(n)
		check(fmt.Sprintf("ResourceSingularizer %q", n), g, w, e, f)
	}
	t.Logf("%d resource, %d kind and %d singularizer questions; %d mismatches", len(q.resources), len(q.kinds), len(q.names), mismatches)
}

// groupResources is what client-go's GetAPIGroupResources returns for d.
func groupResources(d *docs) []*clientgo.APIGroupResources {
	var out []*clientgo.APIGroupResources
	for _, g := range d.groups {
		gr := &clientgo.APIGroupResources{Group: g, VersionedResources: map[string][]metav1.APIResource{}}
		for _, v := range g.Versions {
			if rl, ok := d.resources[schema.GroupVersion{Group: g.Name, Version: v.Version}]; ok {
				gr.VersionedResources[v.Version] = rl.APIResources
			}
		}
		out = append(out, gr)
	}
	return out
}

type kindQuestion struct {
	gk       schema.GroupKind
	versions []string
}

type questionSet struct {
	resources []schema.GroupVersionResource
	kinds     []kindQuestion
	names     []string
}

// questions derives partial inputs from the documents: every resource by
// plural, singular, short name, kind and their list forms, with and without
// group and version, with group prefixes, upper case and the internal
// version; every kind with and without versions; and things that do not
// exist.
func questions(d *docs) questionSet {
	var q questionSet
	// where maps each name to the groups that serve it; "" stands for
	// names that are nowhere.
	where := map[string]map[string]bool{"": {}, "nosuchthings": {}, "list": {}, "lists": {}, "all": {}}
	kinds := map[schema.GroupKind]bool{{Kind: "List"}: true, {Kind: "NoSuchKind"}: true, {Group: "nosuch.example.com", Kind: "Pod"}: true}
	groupVersions := map[string][]string{}
	for _, g := range d.groups {
		for _, v := range g.Versions {
			groupVersions[g.Name] = append(groupVersions[g.Name], v.Version)
		}
		kinds[schema.GroupKind{Group: g.Name, Kind: "List"}] = true
	}
	for gv, rl := range d.resources {
		for _, r := range rl.APIResources {
			for _, n := range append([]string{r.Name, r.SingularName, r.Kind, strings.ToLower(r.Kind), strings.ToLower(r.Kind) + "list", strings.ToLower(r.Kind) + "lists", strings.ToUpper(r.Name)}, r.ShortNames...) {
				if where[n] == nil {
					where[n] = map[string]bool{}
				}
				where[n][gv.Group] = true
			}
			for _, k := range []string{r.Kind, strings.ToLower(r.Kind), r.Kind + "List", strings.ToUpper(r.Kind)} {
				kinds[schema.GroupKind{Group: gv.Group, Kind: k}] = true
			}
		}
	}
	for n, in := range where {
		q.names = append(q.names, n)
		groups := map[string]bool{"": true, "nosuch.example.com": true}
		versions := map[string]bool{"": true, "v9": true, "__internal": true}
		for g := range in {
			groups[g] = true
			if len(g) > 2 {
				groups[g[:len(g)/2]] = true
				groups[strings.SplitN(g, ".", 2)[0]] = true
			}
			for _, v := range groupVersions[g] {
				versions[v] = true
			}
		}
		for g := range groups {
			for v := range versions {
				q.resources = append(q.resources, schema.GroupVersionResource{Group: g, Version: v, Resource: n})
			}
		}
	}
	for gk := range kinds {
		vs := groupVersions[gk.Group]
		q.kinds = append(q.kinds,
			kindQuestion{gk: gk},
			kindQuestion{gk: gk, versions: []string{""}},
			kindQuestion{gk: gk, versions: []string{"__internal"}},
			kindQuestion{gk: gk, versions: []string{"v9"}},
			kindQuestion{gk: gk, versions: append([]string{"v9", ""}, vs...)},
		)
		reversed := slices.Clone(vs)
		slices.Reverse(reversed)
		q.kinds = append(q.kinds, kindQuestion{gk: gk, versions: reversed})
		for _, v := range vs {
			q.kinds = append(q.kinds, kindQuestion{gk: gk, versions: []string{v}})
		}
	}
	return q
}

// unordered reports whether client-go's answer to a resource question with
// both group and version depends on map iteration order: it returns the
// first plural that matches, and when the name is the singular of several
// resources any of them may come first. It returns the candidates.
func unordered(want meta.RESTMapper, r schema.GroupVersionResource) []schema.GroupVersionResource {
	if r.Group == "" || r.Version == "" || r.Version == "__internal" {
		return nil
	}
	all, _ := want.ResourcesFor(schema.GroupVersionResource{Group: r.Group, Resource: r.Resource})
	var out []schema.GroupVersionResource
	for _, gvr := range all {
		if gvr.Group == r.Group && gvr.Version == r.Version {
			out = append(out, gvr)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// same compares answers, and errors by type and message.
func same(got, want any, gerr, werr error) (bool, string) {
	if (gerr == nil) != (werr == nil) {
		return false, "one failed"
	}
	if gerr != nil {
		if reflect.TypeOf(gerr) != reflect.TypeOf(werr) {
			return false, fmt.Sprintf("error types %T and %T", gerr, werr)
		}
		if gerr.Error() != werr.Error() {
			return false, "error messages differ"
		}
		if meta.IsNoMatchError(gerr) != meta.IsNoMatchError(werr) || meta.IsAmbiguousError(gerr) != meta.IsAmbiguousError(werr) {
			return false, "error classes differ"
		}
	}
	if !reflect.DeepEqual(normalize(got), normalize(want)) {
		return false, "answers differ"
	}
	return true, ""
}

// normalize treats nil and empty slices alike.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Len() == 0 {
		return nil
	}
	return v
}

type mapping struct {
	Resource schema.GroupVersionResource
	Kind     schema.GroupVersionKind
	Scope    meta.RESTScopeName
}

func deref(m *meta.RESTMapping) *mapping {
	if m == nil {
		return nil
	}
	return &mapping{Resource: m.Resource, Kind: m.GroupVersionKind, Scope: m.Scope.Name()}
}

func derefAll(ms []*meta.RESTMapping) []*mapping {
	var out []*mapping
	for _, m := range ms {
		out = append(out, deref(m))
	}
	return out
}

func gvrString(r schema.GroupVersionResource) string {
	return fmt.Sprintf("%q/%q/%q", r.Group, r.Version, r.Resource)
}
