package discovery

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

func widgetCRD(versions ...string) *unstructured.Unstructured {
	vs := make([]any, len(versions))
	for i, v := range versions {
		vs[i] = map[string]any{"name": v, "served": true, "storage": i == 0}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "widgets.stable.example.com"},
		"spec": map[string]any{
			"group":    "stable.example.com",
			"scope":    "Namespaced",
			"names":    map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": []any{"wd"}},
			"versions": vs,
		},
	}}
}

// TestInvalidateGroupSeesNewCRD is the restmapper's refresh-on-miss: a CRD
// installed while the program runs is invisible until the TTL expires or the
// group is invalidated, and then costs only conditional root requests (plus
// the group-version's document over legacy discovery).
func TestInvalidateGroupSeesNewCRD(t *testing.T) {
	tests := []struct {
		name       string
		serverOpts []fixture.Option
		// requests after InvalidateGroup, and how many of them answer 304.
		requests, notModified int
	}{
		{"aggregated", nil, 2, 1},
		{"legacy", []fixture.Option{fixture.WithoutAggregated()}, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cluster := fixture.Synthetic(5, 1)
			c, srv := newTestServer(t, cluster, Options{}, tt.serverOpts...)
			_, _, err := c.GroupsAndResources(ctx)
			require.NoError(t, err)

			require.NoError(t, cluster.InstallCRD(widgetCRD("v1")))
			gv := schema.GroupVersion{Group: "stable.example.com", Version: "v1"}
			srv.ResetStats()
			_, err = c.Resources(ctx, gv)
			assert.True(t, apierrors.IsNotFound(err), "within the TTL the cache answers: %v", err)
			assert.Zero(t, srv.Stats().Requests)

			c.InvalidateGroup(gv.Group)
			list, err := c.Resources(ctx, gv)
			require.NoError(t, err)
			require.Len(t, list.APIResources, 1)
			assert.Equal(t, "Widget", list.APIResources[0].Kind)
			st := srv.Stats()
			assert.Equal(t, tt.requests, st.Requests, "%v", st.Paths)
			assert.Equal(t, tt.notModified, st.NotModified, "/api is unchanged")

			// A new version of an existing group.
			require.NoError(t, cluster.InstallCRD(widgetCRD("v1", "v2")))
			c.InvalidateGroup(gv.Group)
			list, err = c.Resources(ctx, schema.GroupVersion{Group: gv.Group, Version: "v2"})
			require.NoError(t, err)
			assert.Equal(t, "stable.example.com/v2", list.GroupVersion)
		})
	}
}

// TestConcurrentInvalidation mixes lookups with invalidations under -race:
// every lookup still gets a whole answer.
func TestConcurrentInvalidation(t *testing.T) {
	for _, mode := range []string{"aggregated", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			var serverOpts []fixture.Option
			if mode == "legacy" {
				serverOpts = append(serverOpts, fixture.WithoutAggregated())
			}
			ctx := context.Background()
			c, _ := newTestServer(t, fixture.Synthetic(10, 1), Options{CacheDir: t.TempDir()}, serverOpts...)
			gv := schema.GroupVersion{Group: "group003.example.com", Version: "v1"}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := range 30 {
						switch (w + i) % 6 {
						case 0:
							c.Invalidate()
						case 1:
							c.InvalidateGroup(gv.Group)
						case 2:
							groups, err := c.Groups(ctx)
							if assert.NoError(t, err) {
								assert.Len(t, groups.Groups, 12)
							}
						case 3:
							list, err := c.Resources(ctx, gv)
							if assert.NoError(t, err) {
								assert.Equal(t, gv.String(), list.GroupVersion)
							}
						case 4:
							_, lists, err := c.GroupsAndResources(ctx)
							if assert.NoError(t, err) {
								assert.Len(t, lists, 22)
							}
						default:
							_, err := c.PreferredResources(ctx)
							assert.NoError(t, err)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
