package discovery

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const clustersDir = "../testdata/clusters"

func TestFormatOf(t *testing.T) {
	tests := []struct {
		contentType string
		want        format
	}{
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", formatV2},
		{"application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io", formatV2},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;charset=utf-8", formatV2},
		{"Application/JSON;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", formatV2},
		{"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", formatV2Beta1},
		{"application/json", formatLegacy},
		{"application/json; charset=utf-8", formatLegacy},
		{"application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", formatLegacy},
		{"application/json;g=other.io;v=v2;as=APIGroupDiscoveryList", formatLegacy},
		{"application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", formatLegacy},
		{"", formatLegacy},
		{"not a ; media type;;", formatLegacy},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			assert.Equal(t, tt.want, formatOf(tt.contentType))
		})
	}
}

// TestAggregatedAgreesWithLegacy checks, for every recorded cluster with an
// aggregated document, that it decodes to what the cluster's legacy documents
// say. The differences that exist on real servers are normalized here and
// documented on parseAggregated: aggregated discovery carries no
// storageVersionHash and no serverAddressByClientCIDRs, and spells out the
// group and version of custom resources' kinds.
func TestAggregatedAgreesWithLegacy(t *testing.T) {
	clusters, err := filepath.Glob(filepath.Join(clustersDir, "*", "aggregated", "apis.json"))
	require.NoError(t, err)
	require.NotEmpty(t, clusters)
	for _, aggPath := range clusters {
		dir := filepath.Dir(filepath.Dir(aggPath))
		t.Run(filepath.Base(dir), func(t *testing.T) {
			agg := parseFile(t, aggPath, recordedContentType(t, dir, "aggregated/apis.json"))
			compared := 0
			for gv, list := range agg.resources {
				legacyPath := filepath.Join(dir, filepath.FromSlash(gvPath(gv))+".json")
				body, err := os.ReadFile(legacyPath)
				if os.IsNotExist(err) {
					continue // not every legacy document was recorded
				}
				require.NoError(t, err)
				legacy, err := parseResourceList(body, gv)
				require.NoError(t, err)
				assert.Equal(t, byName(spellKinds(normalizeLegacy(legacy))), byName(spellKinds(list)), "resources of %s", gv)
				compared++
			}
			assert.NotEmpty(t, agg.groups)
			t.Logf("%d groups, %d group-versions compared with their legacy documents", len(agg.groups), compared)
			if body, err := os.ReadFile(filepath.Join(dir, "apis.json")); err == nil {
				legacy, err := parseAPIGroupList(body)
				require.NoError(t, err)
				for i := range legacy.groups {
					legacy.groups[i].ServerAddressByClientCIDRs = nil
				}
				assert.Equal(t, legacy.groups, agg.groups)
			}
		})
	}
}

func recordedContentType(t *testing.T, dir, doc string) string {
	var meta struct {
		Docs map[string]struct {
			ContentType string `json:"contentType"`
		} `json:"docs"`
	}
	readJSON(t, filepath.Join(dir, "meta.json"), &meta)
	return meta.Docs[doc].ContentType
}

func parseFile(t *testing.T, path, contentType string) *rootDoc {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	doc, err := parseRoot("/apis", contentType, body)
	require.NoError(t, err)
	return doc
}

func normalizeLegacy(l *metav1.APIResourceList) *metav1.APIResourceList {
	for i := range l.APIResources {
		l.APIResources[i].StorageVersionHash = ""
	}
	return l
}

// spellKinds fills in the group and version of kinds left empty for the
// list's own group-version. kube-apiserver spells them out in aggregated
// documents for custom resources, and leaves them empty in legacy ones.
func spellKinds(l *metav1.APIResourceList) *metav1.APIResourceList {
	gv, err := schema.ParseGroupVersion(l.GroupVersion)
	if err != nil {
		return l
	}
	for i := range l.APIResources {
		r := &l.APIResources[i]
		if r.Group == "" && r.Version == "" {
			r.Group, r.Version = gv.Group, gv.Version
		}
	}
	return l
}

func byName(l *metav1.APIResourceList) map[string]metav1.APIResource {
	m := make(map[string]metav1.APIResource, len(l.APIResources))
	for _, r := range l.APIResources {
		if len(r.ShortNames) == 0 {
			r.ShortNames = nil
		}
		if len(r.Categories) == 0 {
			r.Categories = nil
		}
		m[r.Name] = r
	}
	return m
}

func TestParseAggregatedStaleAndMissingKinds(t *testing.T) {
	body := []byte(`{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[
	 {"metadata":{"name":"metrics.k8s.io"},"versions":[
	  {"version":"v1beta1","freshness":"Stale"},
	  {"version":"v1alpha1","resources":[
	   {"resource":"nodes","scope":"Cluster","singularResource":"node","verbs":["get"],
	    "subresources":[{"subresource":"status","responseKind":{"kind":"NodeMetrics"},"verbs":["get"]},
	                    {"subresource":"nokind","verbs":["get"]}]}]}]}]}`)
	doc, err := parseAggregated("/apis", body, formatV2)
	require.NoError(t, err)
	stale := schema.GroupVersion{Group: "metrics.k8s.io", Version: "v1beta1"}
	fresh := schema.GroupVersion{Group: "metrics.k8s.io", Version: "v1alpha1"}
	assert.Equal(t, map[schema.GroupVersion]bool{stale: true}, doc.stale)
	require.Len(t, doc.groups, 1)
	assert.Equal(t, "metrics.k8s.io/v1beta1", doc.groups[0].PreferredVersion.GroupVersion)
	// nodes has no responseKind: left out, its subresource with one kept.
	require.Len(t, doc.resources[fresh].APIResources, 1)
	assert.Equal(t, metav1.APIResource{Name: "nodes/status", Kind: "NodeMetrics", Verbs: []string{"get"}}, doc.resources[fresh].APIResources[0])
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, path, contentType, body string
	}{
		{"truncated aggregated", "/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", `{"items":[{"metadata":`},
		{"truncated legacy", "/apis", "application/json", `{"groups":[`},
		{"escaping group", "/apis", "application/json", `{"groups":[{"name":"..","versions":[{"version":"v1"}]}]}`},
		{"escaping version", "/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
			`{"items":[{"metadata":{"name":"x.io"},"versions":[{"version":"../../etc"}]}]}`},
		{"duplicate version", "/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
			`{"items":[{"metadata":{"name":"x.io"},"versions":[{"version":"v1"}]},{"metadata":{"name":"x.io"},"versions":[{"version":"v1"}]}]}`},
		{"core version with slash", "/api", "application/json", `{"versions":["v1/../x"]}`},
		{"unnamed group", "/apis", "application/json", `{"groups":[{"name":"","versions":[{"version":"v1"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRoot(tt.path, tt.contentType, []byte(tt.body))
			assert.Error(t, err)
		})
	}
}

func TestParseResourceListChecksGroupVersion(t *testing.T) {
	gv := schema.GroupVersion{Group: "apps", Version: "v1"}
	_, err := parseResourceList([]byte(`{"groupVersion":"batch/v1","resources":[]}`), gv)
	assert.Error(t, err)
	l, err := parseResourceList([]byte(`{"resources":[{"name":"deployments","kind":"Deployment"}]}`), gv)
	require.NoError(t, err)
	assert.Equal(t, "apps/v1", l.GroupVersion)
}
