package discovery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/rest"
)

// brokenLegacyDocs is a legacy server whose root documents list, next to
// valid groups, entries no API server can serve.
var brokenLegacyDocs = map[string]string{
	"/api":    `{"kind":"APIVersions","versions":["v1","../x"]}`,
	"/api/v1": `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get"]}]}`,
	"/apis": `{"kind":"APIGroupList","apiVersion":"v1","groups":[` +
		`{"name":"first.example","versions":[{"groupVersion":"first.example/v1","version":"v1"}],"preferredVersion":{"groupVersion":"first.example/v1","version":"v1"}},` +
		`{"name":"../../escape","versions":[{"groupVersion":"../../escape/v1","version":"v1"}]},` +
		`{"name":"","versions":[{"groupVersion":"v1","version":"v1"}]},` +
		`{"name":"mixed.example","versions":[{"groupVersion":"mixed.example/../../x","version":"../../x"},{"groupVersion":"mixed.example/v1","version":"v1"}],` +
		`"preferredVersion":{"groupVersion":"mixed.example/../../x","version":"../../x"}},` +
		`{"name":"last.example","versions":[{"groupVersion":"last.example/v1","version":"v1"}]}]}`,
	"/apis/first.example/v1": `{"kind":"APIResourceList","groupVersion":"first.example/v1","resources":[{"name":"firsts","namespaced":true,"kind":"First","verbs":["get"]}]}`,
	"/apis/mixed.example/v1": `{"kind":"APIResourceList","groupVersion":"mixed.example/v1","resources":[{"name":"mixes","namespaced":true,"kind":"Mix","verbs":["get"]}]}`,
	"/apis/last.example/v1":  `{"kind":"APIResourceList","groupVersion":"last.example/v1","resources":[{"name":"lasts","namespaced":true,"kind":"Last","verbs":["get"]}]}`,
}

// docServer serves docs as contentType with ETags and counts the requests
// by path; a request for anything else is a test failure.
type docServer struct {
	mu    sync.Mutex // guards paths
	paths map[string]int
}

func newDocServer(t *testing.T, contentType string, docs map[string]string) (*httptest.Server, *docServer) {
	d := &docServer{paths: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.paths[r.URL.Path]++
		d.mu.Unlock()
		body, ok := docs[r.URL.Path]
		if !ok {
			t.Errorf("request for %s", r.URL.Path)
			http.NotFound(w, r)
			return
		}
		etag := `"` + r.URL.Path + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, d
}

func (d *docServer) take() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.paths
	d.paths = map[string]int{}
	return p
}

// newBrokenDocsClient serves docs (with contentType for the roots) and
// returns a client on them with a disk cache, the request counts and the
// cache directory.
func newBrokenDocsClient(t *testing.T, contentType string, docs map[string]string) (*Client, *docServer, string) {
	t.Helper()
	srv, counts := newDocServer(t, contentType, docs)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	c, err := NewForConfig(&rest.Config{Host: srv.URL}, Options{CacheDir: cacheDir})
	require.NoError(t, err)
	t.Cleanup(c.rc.CloseIdleConnections)
	return c, counts, cacheDir
}

// leftOut returns the *PartialError err must be, with no failure in it, and
// the group-versions of the entries it reports as left out, in order.
func leftOut(t *testing.T, err error) (*PartialError, []schema.GroupVersion) {
	t.Helper()
	var partial *PartialError
	require.ErrorAs(t, err, &partial, "the entries left out are reported")
	assert.Empty(t, partial.Failed, "nothing that could be discovered failed")
	var left []schema.GroupVersion
	for _, ie := range partial.Invalid {
		left = append(left, ie.GroupVersion)
	}
	return partial, left
}

// assertValidGroupsServed checks that the valid groups of the broken
// documents are served, mixed.example with only its valid version.
func assertValidGroupsServed(t *testing.T, groups []*metav1.APIGroup, lists []*metav1.APIResourceList) {
	t.Helper()
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	assert.Equal(t, []string{"", "first.example", "mixed.example", "last.example"}, names, "the valid groups are served")
	mixed := groups[2]
	assert.Equal(t, []metav1.GroupVersionForDiscovery{{GroupVersion: "mixed.example/v1", Version: "v1"}}, mixed.Versions)
	assert.Equal(t, "v1", mixed.PreferredVersion.Version, "the preferred version was the invalid one")
	require.Len(t, lists, 4)
}

func TestInvalidEntriesAreLeftOut(t *testing.T) {
	ctx := context.Background()
	c, counts, cacheDir := newBrokenDocsClient(t, "application/json", brokenLegacyDocs)

	check := func(t *testing.T) {
		t.Helper()
		groups, lists, err := c.GroupsAndResources(ctx)
		_, left := leftOut(t, err)
		assert.Equal(t, []schema.GroupVersion{
			{Version: "../x"}, {Group: "../../escape"}, {}, {Group: "mixed.example", Version: "../../x"},
		}, left)
		assert.ErrorContains(t, err, `invalid group "../../escape"`)
		var ie *InvalidEntryError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, "/api", ie.Path)

		assertValidGroupsServed(t, groups, lists)
		assert.Equal(t, "Mix", lists[2].APIResources[0].Kind)

		gl, err := c.Groups(ctx)
		require.NoError(t, err)
		assert.Len(t, gl.Groups, 4)
		list, err := c.Resources(ctx, schema.GroupVersion{Group: "last.example", Version: "v1"})
		require.NoError(t, err)
		assert.Equal(t, "Last", list.APIResources[0].Kind)
	}

	t.Run("cold", func(t *testing.T) {
		check(t)
		assert.Equal(t, map[string]int{"/api": 1, "/apis": 1, "/api/v1": 1,
			"/apis/first.example/v1": 1, "/apis/mixed.example/v1": 1, "/apis/last.example/v1": 1}, counts.take())
	})
	t.Run("warm", func(t *testing.T) {
		check(t)
		assert.Empty(t, counts.take(), "within the TTL the report costs no request")
	})
	t.Run("after the TTL", func(t *testing.T) {
		expire(c)
		check(t)
		// /apis is fetched whole to be checked again; /api too, which kept no
		// ETag either, having left an entry out.
		assert.Equal(t, map[string]int{"/api": 1, "/apis": 1, "/api/v1": 1,
			"/apis/first.example/v1": 1, "/apis/mixed.example/v1": 1, "/apis/last.example/v1": 1}, counts.take())
	})

	host, err := os.ReadDir(cacheDir)
	require.NoError(t, err)
	require.Len(t, host, 1)
	_, err = os.Stat(filepath.Join(cacheDir, host[0].Name(), "aggregated", "apis.json"))
	assert.ErrorIs(t, err, os.ErrNotExist, "a document with invalid entries is not cached on disk")
	for path := range snapshotTree(t, filepath.Dir(cacheDir)) {
		assert.NotContains(t, path, "escape")
	}
}

func TestParseServedRootLeavesOutOnlyTheBadEntries(t *testing.T) {
	doc, invalid, err := parseServedRoot("/apis", "application/json", []byte(brokenLegacyDocs["/apis"]))
	require.NoError(t, err)
	assert.Len(t, invalid, 3)
	assert.Len(t, doc.groups, 3)
	for _, ie := range invalid {
		assert.Equal(t, "/apis", ie.Path)
	}

	_, err = parseRoot("/apis", "application/json", []byte(brokenLegacyDocs["/apis"]))
	assert.ErrorContains(t, err, "invalid group", "the disk cache still refuses such a document")

	doc, invalid, err = parseServedRoot("/api", "application/json", []byte(`{"versions":["../x"]}`))
	require.NoError(t, err)
	assert.Len(t, invalid, 1)
	assert.Empty(t, doc.groups, "no valid core version: no core group")
}

// brokenAggregatedDocs is an aggregated server, in format version v ("v2"
// or "v2beta1"), whose root documents list, next to valid groups, entries no
// API server can serve, and a version listed twice.
func brokenAggregatedDocs(v string) map[string]string {
	list := func(items ...string) string {
		return `{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/` + v + `","items":[` + strings.Join(items, ",") + `]}`
	}
	group := func(name string, versions ...string) string {
		return `{"metadata":{"name":"` + name + `"},"versions":[` + strings.Join(versions, ",") + `]}`
	}
	version := func(v, resource, kind string) string {
		return `{"version":"` + v + `","resources":[{"resource":"` + resource + `","responseKind":{"group":"","version":"","kind":"` + kind + `"},` +
			`"scope":"Namespaced","verbs":["get"]}],"freshness":"Current"}`
	}
	return map[string]string{
		"/api": list(group("", version("v1", "pods", "Pod"), version("../x", "pods", "Pod"))),
		"/apis": list(
			group("first.example", version("v1", "firsts", "First")),
			group("../../escape", version("v1", "escapes", "Escape")),
			group("", version("v1", "nameless", "Nameless")),
			group("mixed.example", version("../../x", "xs", "X"), version("v1", "mixes", "Mix"), version("v1", "twice", "Twice")),
			group("last.example", version("v1", "lasts", "Last")),
		),
	}
}

func TestInvalidAggregatedEntriesAreLeftOut(t *testing.T) {
	for _, v := range []string{"v2", "v2beta1"} {
		t.Run(v, func(t *testing.T) {
			ctx := context.Background()
			contentType := "application/json;g=apidiscovery.k8s.io;v=" + v + ";as=APIGroupDiscoveryList"
			c, counts, cacheDir := newBrokenDocsClient(t, contentType, brokenAggregatedDocs(v))

			check := func(t *testing.T) {
				t.Helper()
				groups, lists, err := c.GroupsAndResources(ctx)
				partial, left := leftOut(t, err)
				assert.Equal(t, []schema.GroupVersion{
					{Version: "../x"}, {Group: "../../escape"}, {},
					{Group: "mixed.example", Version: "../../x"}, {Group: "mixed.example", Version: "v1"},
				}, left)
				assert.Equal(t, "/api", partial.Invalid[0].Path)
				assert.Equal(t, "/apis", partial.Invalid[1].Path)
				assert.ErrorContains(t, err, `invalid group "../../escape"`)
				assert.ErrorContains(t, err, "mixed.example/v1 listed twice")

				assertValidGroupsServed(t, groups, lists)
				assert.Equal(t, "Pod", lists[0].APIResources[0].Kind)
				assert.Equal(t, "Mix", lists[2].APIResources[0].Kind, "the first of two listings is kept")

				list, err := c.Resources(ctx, schema.GroupVersion{Group: "last.example", Version: "v1"})
				require.NoError(t, err)
				assert.Equal(t, "Last", list.APIResources[0].Kind)
				for i, r := range c.snap.Load().roots {
					assert.Empty(t, r.etag, "%s is kept without its ETag", rootPaths[i])
				}
			}

			t.Run("cold", func(t *testing.T) {
				check(t)
				assert.Equal(t, map[string]int{"/api": 1, "/apis": 1}, counts.take())
			})
			t.Run("warm", func(t *testing.T) {
				check(t)
				assert.Empty(t, counts.take(), "within the TTL the report costs no request")
			})
			t.Run("after the TTL", func(t *testing.T) {
				expire(c)
				check(t) // a 304 would have lost the report
				assert.Equal(t, map[string]int{"/api": 1, "/apis": 1}, counts.take())
			})

			host, err := os.ReadDir(cacheDir)
			require.NoError(t, err)
			require.Len(t, host, 1)
			for _, name := range []string{"api.json", "apis.json"} {
				_, err = os.Stat(filepath.Join(cacheDir, host[0].Name(), "aggregated", name))
				assert.ErrorIs(t, err, os.ErrNotExist, "a document with invalid entries is not cached on disk")
			}
			for path := range snapshotTree(t, filepath.Dir(cacheDir)) {
				assert.NotContains(t, path, "escape")
			}
		})
	}
}

func TestParseServedAggregatedRootLeavesOutOnlyTheBadEntries(t *testing.T) {
	for _, v := range []string{"v2", "v2beta1"} {
		t.Run(v, func(t *testing.T) {
			contentType := "application/json;g=apidiscovery.k8s.io;v=" + v + ";as=APIGroupDiscoveryList"
			body := []byte(brokenAggregatedDocs(v)["/apis"])
			doc, invalid, err := parseServedRoot("/apis", contentType, body)
			require.NoError(t, err)
			assert.Len(t, invalid, 4)
			for _, ie := range invalid {
				assert.Equal(t, "/apis", ie.Path)
			}
			require.Len(t, doc.groups, 3)
			assert.Len(t, doc.resources, 3, "nothing is kept of a group or version left out")

			_, err = parseRoot("/apis", contentType, body)
			assert.ErrorContains(t, err, "invalid group", "the disk cache still refuses such a document")

			doc, invalid, err = parseServedRoot("/apis", contentType, []byte(`{"items":[{"metadata":{"name":"x.io"},"versions":[{"version":"v1/x"}]}]}`))
			require.NoError(t, err)
			assert.Len(t, invalid, 1)
			assert.Empty(t, doc.groups, "a group whose versions are all left out is left out")
			assert.Empty(t, doc.resources)
		})
	}
}
