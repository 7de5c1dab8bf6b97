package discovery

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestPreferredPicksLikeClientGo(t *testing.T) {
	// Versions listed v1beta1 first while v1 is preferred: a resource in both
	// goes under v1, one only in v1beta1 stays there, and a later
	// non-preferred version never overrides an earlier pick.
	g := &metav1.APIGroup{
		Name: "x.io",
		Versions: []metav1.GroupVersionForDiscovery{
			{GroupVersion: "x.io/v1beta1", Version: "v1beta1"},
			{GroupVersion: "x.io/v1", Version: "v1"},
			{GroupVersion: "x.io/v1alpha1", Version: "v1alpha1"},
		},
		PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "x.io/v1", Version: "v1"},
	}
	res := func(names ...string) []metav1.APIResource {
		out := make([]metav1.APIResource, len(names))
		for i, n := range names {
			out[i] = metav1.APIResource{Name: n}
		}
		return out
	}
	byGV := map[string]*metav1.APIResourceList{
		"x.io/v1beta1":  {GroupVersion: "x.io/v1beta1", APIResources: res("both", "both/status", "betaonly", "alphaandbeta")},
		"x.io/v1":       {GroupVersion: "x.io/v1", APIResources: res("both", "both/status")},
		"x.io/v1alpha1": {GroupVersion: "x.io/v1alpha1", APIResources: res("alphaandbeta", "alphaonly")},
	}
	got := preferred(g, byGV)
	assert.Equal(t, []*metav1.APIResourceList{
		{GroupVersion: "x.io/v1beta1", APIResources: res("betaonly", "alphaandbeta")},
		{GroupVersion: "x.io/v1", APIResources: res("both")},
		{GroupVersion: "x.io/v1alpha1", APIResources: res("alphaonly")},
	}, got)
}

func TestPreferredResourcesOfRecordedCluster(t *testing.T) {
	c, _ := newTestServer(t, loadCluster(t, "k3s-v1.25.0"), Options{})
	lists, err := c.PreferredResources(context.Background())
	require.NoError(t, err)
	_, all, err := c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	assert.Len(t, lists, len(all), "one list per group-version, empty ones included")

	where := map[schema.GroupResource][]string{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		require.NoError(t, err)
		for _, r := range l.APIResources {
			assert.NotContains(t, r.Name, "/", "no subresources")
			gr := schema.GroupResource{Group: gv.Group, Resource: r.Name}
			where[gr] = append(where[gr], gv.Version)
		}
	}
	for gr, versions := range where {
		assert.Len(t, versions, 1, "%s listed once", gr)
	}
	assert.Equal(t, []string{"v2"}, where[schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}])
	assert.Equal(t, []string{"v1beta2"}, where[schema.GroupResource{Group: "flowcontrol.apiserver.k8s.io", Resource: "flowschemas"}])
	assert.Equal(t, []string{"v1"}, where[schema.GroupResource{Resource: "pods"}])
	for _, l := range all {
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				gv, _ := schema.ParseGroupVersion(l.GroupVersion)
				assert.Contains(t, where, schema.GroupResource{Group: gv.Group, Resource: r.Name})
			}
		}
	}
}
