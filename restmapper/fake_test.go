package restmapper

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeDiscovery serves fixed documents and counts calls. Tests may change
// its documents while a mapper uses it.
type fakeDiscovery struct {
	mu        sync.Mutex // guards the fields below
	groups    []metav1.APIGroup
	resources map[schema.GroupVersion][]metav1.APIResource
	failed    map[schema.GroupVersion]error // Resources fails with these

	groupCalls, resourceCalls, invalidations atomic.Int64
}

func newFake() *fakeDiscovery {
	return &fakeDiscovery{resources: map[schema.GroupVersion][]metav1.APIResource{}, failed: map[schema.GroupVersion]error{}}
}

func (f *fakeDiscovery) Groups(context.Context) (*metav1.APIGroupList, error) {
	f.groupCalls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return &metav1.APIGroupList{Groups: append([]metav1.APIGroup(nil), f.groups...)}, nil
}

func (f *fakeDiscovery) Resources(_ context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	f.resourceCalls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err, ok := f.failed[gv]; ok {
		return nil, err
	}
	rs, ok := f.resources[gv]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{}, gv.String())
	}
	return &metav1.APIResourceList{GroupVersion: gv.String(), APIResources: append([]metav1.APIResource(nil), rs...)}, nil
}

func (f *fakeDiscovery) InvalidateGroup(string) { f.invalidations.Add(1) }

func (f *fakeDiscovery) calls() int64 { return f.groupCalls.Load() + f.resourceCalls.Load() }

// addGroup adds a group whose first version is preferred, or replaces it.
func (f *fakeDiscovery) addGroup(name string, versions ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := metav1.APIGroup{Name: name}
	for _, v := range versions {
		gv := schema.GroupVersion{Group: name, Version: v}
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: v})
		if _, ok := f.resources[gv]; !ok {
			f.resources[gv] = []metav1.APIResource{}
		}
	}
	if len(g.Versions) > 0 {
		g.PreferredVersion = g.Versions[0]
	}
	for i := range f.groups {
		if f.groups[i].Name == name {
			f.groups[i] = g
			return
		}
	}
	f.groups = append(f.groups, g)
}

// addResource adds a resource to gv, which must have been added.
func (f *fakeDiscovery) addResource(gv schema.GroupVersion, r metav1.APIResource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resources[gv] = append(f.resources[gv], r)
}

func (f *fakeDiscovery) fail(gv schema.GroupVersion, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.failed, gv)
		return
	}
	f.failed[gv] = err
}

func res(name, singular, kind string, namespaced bool, short ...string) metav1.APIResource {
	return metav1.APIResource{Name: name, SingularName: singular, Kind: kind, Namespaced: namespaced, ShortNames: short}
}

// loadCluster reads the legacy documents of a recorded cluster in the
// testdata/clusters layout. Versions without a document are left out, as
// client-go leaves out versions whose discovery failed.
func loadCluster(t testing.TB, dir string) *fakeDiscovery {
	t.Helper()
	f := newFake()
	var versions metav1.APIVersions
	if readJSON(t, filepath.Join(dir, "api.json"), &versions) {
		core := metav1.APIGroup{}
		for _, v := range versions.Versions {
			core.Versions = append(core.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
		}
		if len(core.Versions) > 0 {
			core.PreferredVersion = core.Versions[0]
		}
		f.groups = append(f.groups, core)
	}
	var groups metav1.APIGroupList
	readJSON(t, filepath.Join(dir, "apis.json"), &groups)
	f.groups = append(f.groups, groups.Groups...)
	for _, g := range f.groups {
		for _, v := range g.Versions {
			gv := schema.GroupVersion{Group: g.Name, Version: v.Version}
			path := filepath.Join(dir, "apis", g.Name, v.Version+".json")
			if g.Name == "" {
				path = filepath.Join(dir, "api", v.Version+".json")
			}
			var rl metav1.APIResourceList
			if readJSON(t, path, &rl) {
				f.resources[gv] = rl.APIResources
			}
		}
	}
	return f
}

func readJSON(t testing.TB, path string, into any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, into), path)
	return true
}

// synthetic builds a fake cluster of n CRD groups with kinds kinds each,
// after a small core group.
func synthetic(n, kinds int) *fakeDiscovery {
	f := newFake()
	f.addGroup("", "v1")
	core := schema.GroupVersion{Version: "v1"}
	f.addResource(core, res("pods", "pod", "Pod", true, "po"))
	f.addResource(core, res("namespaces", "namespace", "Namespace", false, "ns"))
	for g := range n {
		name := fmt.Sprintf("g%d.example.com", g)
		f.addGroup(name, "v1", "v1beta1")
		for _, v := range []string{"v1", "v1beta1"} {
			gv := schema.GroupVersion{Group: name, Version: v}
			for k := range kinds {
				kind := fmt.Sprintf("Widget%d", k)
				f.addResource(gv, res(strings.ToLower(kind)+"s", strings.ToLower(kind), kind, true, fmt.Sprintf("w%dg%d", k, g)))
				f.addResource(gv, res(strings.ToLower(kind)+"s/status", "", kind, true))
			}
		}
	}
	return f
}
