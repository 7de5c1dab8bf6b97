package oracle

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgo "k8s.io/client-go/restmapper"

	kdyn "github.com/kdyn/kdyn/restmapper"
)

// BenchmarkWarmLookups runs the same warm lookups on client-go's discovery
// mapper and on kdyn's, over the same CRD clusters.
func BenchmarkWarmLookups(b *testing.B) {
	for _, n := range []int{200, 1000} {
		d := crdCluster(n)
		ours := kdyn.New(fakeDiscovery{d}, kdyn.Options{})
		_, err := ours.ResourcesFor(schema.GroupVersionResource{Resource: "widget1s"})
		require.NoError(b, err)
		mappers := []struct {
			name string
			m    meta.RESTMapper
		}{
			{"client-go", clientgo.NewDiscoveryRESTMapper(groupResources(d))},
			{"kdyn", ours},
		}
		gk := schema.GroupKind{Group: fmt.Sprintf("group%04d.example.com", n/2), Kind: "Widget3"}
		gvr := schema.GroupVersionResource{Group: gk.Group, Version: "v1", Resource: "widget3s"}
		for _, mp := range mappers {
			b.Run(fmt.Sprintf("RESTMapping/groups=%d/%s", n, mp.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := mp.m.RESTMapping(gk); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("ResourceFor/groups=%d/%s", n, mp.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := mp.m.ResourceFor(gvr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
