package oracle

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdiscovery "k8s.io/client-go/discovery"
	clientrest "k8s.io/client-go/rest"
	clientgo "k8s.io/client-go/restmapper"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	kdyn "github.com/kdyn/kdyn/restmapper"
)

// TestOverHTTP serves each recorded cluster from the fixture API server and
// lets each side read it with its own discovery client: client-go's
// (aggregated discovery where the cluster has it) into GetAPIGroupResources
// and NewDiscoveryRESTMapper, kdyn's discovery.Client into restmapper.New.
func TestOverHTTP(t *testing.T) {
	entries, err := os.ReadDir(clustersDir)
	require.NoError(t, err)
	clusters := map[string]*fixture.Cluster{"fixture.Synthetic(20,3)": fixture.Synthetic(20, 3)}
	for _, e := range entries {
		if e.IsDir() {
			c, err := fixture.Load(filepath.Join(clustersDir, e.Name()))
			require.NoError(t, err)
			clusters[e.Name()] = c
		}
	}
	for name, c := range clusters {
		t.Run(name, func(t *testing.T) {
			srv := fixture.NewServer(c)
			t.Cleanup(srv.Close)

			cg, err := cgdiscovery.NewDiscoveryClientForConfig(&clientrest.Config{Host: srv.URL})
			require.NoError(t, err)
			grs, err := clientgo.GetAPIGroupResources(cg)
			require.NoError(t, err)
			want := clientgo.NewDiscoveryRESTMapper(grs)

			compareMappers(t, docsOf(grs), func() *kdyn.Mapper {
				dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{})
				require.NoError(t, err)
				return kdyn.New(dc, kdyn.Options{})
			}, want)
		})
	}
}

// docsOf turns what GetAPIGroupResources read back into documents, to
// derive the questions from.
func docsOf(grs []*clientgo.APIGroupResources) *docs {
	d := &docs{resources: map[schema.GroupVersion]*metav1.APIResourceList{}}
	for _, g := range grs {
		d.groups = append(d.groups, g.Group)
		for v, rs := range g.VersionedResources {
			gv := schema.GroupVersion{Group: g.Group.Name, Version: v}
			d.resources[gv] = &metav1.APIResourceList{GroupVersion: gv.String(), APIResources: rs}
		}
	}
	return d
}
