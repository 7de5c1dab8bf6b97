package restmapper_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/restmapper"
)

var _ restmapper.Discovery = (*discovery.Client)(nil)

func crontabCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "crontabs.stable.example.com"},
		"spec": map[string]any{
			"group": "stable.example.com", "scope": "Namespaced",
			"names":    map[string]any{"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": []any{"ct"}},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true}},
		},
	}}
}

// On the fixture API server through the real discovery client: a CRD
// installed while the mapper runs resolves on the first lookup after, and a
// misspelt kind in a hot loop costs a handful of requests.
func TestOnFixtureServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []fixture.Option
	}{
		{"aggregated", nil},
		{"legacy", []fixture.Option{fixture.WithoutAggregated()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture.Synthetic(20, 3)
			srv := fixture.NewServer(c, tc.opts...)
			t.Cleanup(srv.Close)
			dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{})
			require.NoError(t, err)
			m := restmapper.New(dc, restmapper.Options{})
			ctx := context.Background()

			_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "group005.example.com", Kind: "Widget001"})
			require.NoError(t, err)
			cold := srv.Stats().Requests
			t.Logf("cold RESTMapping: %d requests", cold)

			srv.ResetStats()
			for range 10000 {
				_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "group005.example.com", Kind: "Widget01"})
				require.True(t, meta.IsNoMatchError(err))
			}
			assert.LessOrEqual(t, srv.Stats().Requests, 4, "10,000 misses")

			require.NoError(t, c.InstallCRD(crontabCRD()))
			srv.ResetStats()
			mp, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "stable.example.com", Kind: "CronTab"})
			require.NoError(t, err)
			assert.Equal(t, schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}, mp.Resource)
			assert.LessOrEqual(t, srv.Stats().Requests, 4, "first lookup after install")
			t.Logf("CRD lookup after install: %d requests %v", srv.Stats().Requests, srv.Stats().Paths)

			got, err := m.Expand(ctx, "ct")
			require.NoError(t, err)
			assert.Equal(t, []schema.GroupVersionResource{mp.Resource}, got)
		})
	}
}

// A group whose API server is down fails only the lookups in it.
func TestOnFixtureServerWithAFailingGroup(t *testing.T) {
	srv := fixture.NewServer(fixture.Synthetic(3, 2), fixture.WithoutAggregated(),
		fixture.WithGroupError("group001.example.com", http.StatusServiceUnavailable))
	t.Cleanup(srv.Close)
	dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{})
	require.NoError(t, err)
	m := restmapper.New(dc, restmapper.Options{})
	ctx := context.Background()

	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "group000.example.com", Kind: "Widget000"})
	require.NoError(t, err)
	gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "widget001s"})
	require.NoError(t, err, "the healthy groups answer")
	assert.Equal(t, "group000.example.com", gvr.Group)

	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "group001.example.com", Kind: "Widget000"})
	var de *restmapper.DiscoveryError
	require.ErrorAs(t, err, &de)
	assert.True(t, apierrors.IsServiceUnavailable(err), "%v", err)
	assert.Contains(t, de.Failed, schema.GroupVersion{Group: "group001.example.com", Version: "v1"})
}
