package oracle

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgo "k8s.io/client-go/restmapper"

	kdyn "github.com/kdyn/kdyn/restmapper"
)

// crdCluster is n CRD groups with two versions of five kinds each, after a
// core group.
func crdCluster(n int) *docs {
	d := &docs{resources: map[schema.GroupVersion]*metav1.APIResourceList{}}
	core := coreGroup(metav1.APIVersions{Versions: []string{"v1"}})
	d.groups = append(d.groups, core)
	d.resources[schema.GroupVersion{Version: "v1"}] = &metav1.APIResourceList{GroupVersion: "v1", APIResources: []metav1.APIResource{
		{Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}},
	}}
	for g := range n {
		name := fmt.Sprintf("group%04d.example.com", g)
		grp := metav1.APIGroup{Name: name}
		for _, v := range []string{"v1", "v1beta1"} {
			gv := schema.GroupVersion{Group: name, Version: v}
			grp.Versions = append(grp.Versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: v})
			rl := &metav1.APIResourceList{GroupVersion: gv.String()}
			for k := range 5 {
				kind := fmt.Sprintf("Widget%d", k)
				plural := strings.ToLower(kind) + "s"
				rl.APIResources = append(rl.APIResources,
					metav1.APIResource{Name: plural, SingularName: strings.ToLower(kind), Kind: kind, Namespaced: true, ShortNames: []string{fmt.Sprintf("w%dg%d", k, g)}, Categories: []string{"all"}},
					metav1.APIResource{Name: plural + "/status", Kind: kind, Namespaced: true})
			}
			d.resources[gv] = rl
		}
		grp.PreferredVersion = grp.Versions[0]
		d.groups = append(d.groups, grp)
	}
	return d
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestRetainedHeap compares what each mapper keeps for 1,000 CRD groups,
// with every group loaded; the documents are counted for neither.
func TestRetainedHeap(t *testing.T) {
	d := crdCluster(1000)
	grs := groupResources(d)

	base := heapInUse()
	want := clientgo.NewDiscoveryRESTMapper(grs)
	clientGo := heapInUse() - base

	base = heapInUse()
	got := kdyn.New(fakeDiscovery{d}, kdyn.Options{})
	_, err := got.ResourcesFor(schema.GroupVersionResource{Resource: "widget1s"})
	require.NoError(t, err)
	ours := heapInUse() - base

	t.Logf("retained heap for 1,000 groups: kdyn %d KiB, client-go %d KiB", ours>>10, clientGo>>10)
	assert.LessOrEqual(t, ours, clientGo/2)
	runtime.KeepAlive(want)
	runtime.KeepAlive(got)
	var _ meta.RESTMapper = want
}
