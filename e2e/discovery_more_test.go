package e2e

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/restmapper"
)

// TestDiscoveryDiskCache: a second process (a second Client on the same
// cache directory) starts warm: two conditional requests answered 304; after
// Invalidate it fetches again.
func TestDiscoveryDiskCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, count := countedConfig(t)
	first, err := discovery.NewForConfig(cfg, discovery.Options{CacheDir: dir})
	require.NoError(t, err)
	_, want, err := first.GroupsAndResources(ctx)
	require.NoError(t, err)
	assert.Len(t, count.take(), 2)

	second, err := discovery.NewForConfig(cfg, discovery.Options{CacheDir: dir})
	require.NoError(t, err)
	_, got, err := second.GroupsAndResources(ctx)
	require.NoError(t, err)
	reqs := count.take()
	assert.Equal(t, []string{"GET /api", "GET /apis"}, paths(reqs), "the roots are revalidated")
	for _, r := range reqs {
		assert.Equal(t, http.StatusNotModified, r.Status, r)
		assert.NotEmpty(t, r.IfNoneMatch, r)
	}
	assertSameResources(t, "disk cache", byGroupVersion(want), byGroupVersion(got))

	second.Invalidate()
	_, _, err = second.GroupsAndResources(ctx)
	require.NoError(t, err)
	reqs = count.take()
	assert.Equal(t, []string{"GET /api", "GET /apis"}, paths(reqs))
	for _, r := range reqs {
		assert.Equal(t, http.StatusOK, r.Status, r)
	}
}

// TestDiscoveryOpenAPI reads the server's OpenAPI v2 and v3 documents,
// which include the CRDs' schemas, and revalidates v2 with its ETag.
func TestDiscoveryOpenAPI(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	dc, err := discovery.NewForConfig(cfg, discovery.Options{TTL: 100 * time.Millisecond})
	require.NoError(t, err)

	v2, err := dc.OpenAPIV2(ctx)
	require.NoError(t, err)
	defs := map[string]bool{}
	for _, p := range v2.GetDefinitions().GetAdditionalProperties() {
		defs[p.GetName()] = true
	}
	assert.True(t, defs["io.k8s.api.apps.v1.Deployment"])
	assert.True(t, defs["dev.kdyn.stable.v1.Widget"])
	reqs := count.take()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/openapi/v2", reqs[0].Path)

	time.Sleep(200 * time.Millisecond)
	_, err = dc.OpenAPIV2(ctx)
	require.NoError(t, err)
	reqs = count.take()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.StatusNotModified, reqs[0].Status, "revalidated with its ETag")

	paths, err := dc.OpenAPIV3Paths(ctx)
	require.NoError(t, err)
	require.Contains(t, paths, "apis/stable.kdyn.dev/v1")
	require.Contains(t, paths, "apis/apps/v1")
	doc, err := dc.OpenAPIV3(ctx, "apis/stable.kdyn.dev/v1")
	require.NoError(t, err)
	schemas := map[string]bool{}
	for _, s := range doc.GetComponents().GetSchemas().GetAdditionalProperties() {
		schemas[s.GetName()] = true
	}
	assert.True(t, schemas["dev.kdyn.stable.v1.Widget"], "%v", schemas)
	_, err = dc.OpenAPIV3(ctx, "apis/no.such/v1")
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
}

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// TestDiscoveryPartialFailure registers an aggregated API whose backend does
// not exist, so the server answers 503 for it: kdyn's discovery returns every
// other group with a PartialError naming the failed one, and the mapper keeps
// answering for the healthy groups.
func TestDiscoveryPartialFailure(t *testing.T) {
	ctx := context.Background()
	broken := schema.GroupVersion{Group: "broken.kdyn.dev", Version: "v1"}
	dyn, err := dynamic.NewForConfig(srv.ClientGoConfig())
	require.NoError(t, err)
	_, err = dyn.Resource(apiServicesGVR).Create(ctx, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": broken.Version + "." + broken.Group},
		"spec": map[string]any{
			"group": broken.Group, "version": broken.Version,
			"groupPriorityMinimum": int64(1000), "versionPriority": int64(15),
			"service":               map[string]any{"namespace": "default", "name": "nowhere"},
			"insecureSkipTLSVerify": true,
		},
	}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		assert.NoError(t, dyn.Resource(apiServicesGVR).Delete(ctx, broken.Version+"."+broken.Group, metav1.DeleteOptions{}))
		// Later tests expect a healthy server: wait until /apis no longer lists it.
		assert.NoError(t, wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			code, body := rawGet(t, "/apis", srv.AdminToken)
			return code == http.StatusOK && !bytes.Contains(body, []byte(broken.Group)), nil
		}))
	})

	// Legacy discovery: /apis lists the group, its document is a 503.
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		code, body := rawGet(t, "/apis", srv.AdminToken)
		return code == http.StatusOK && bytes.Contains(body, []byte(broken.Group)), nil
	}))
	cfg, count := countedConfig(t)
	count.forceLegacy = true
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	groups, lists, err := dc.GroupsAndResources(ctx)
	require.Error(t, err)
	var partial *discovery.PartialError
	require.ErrorAs(t, err, &partial)
	assert.Contains(t, partial.Failed, broken, "%v", err)
	assert.Len(t, partial.Failed, 1, "%v", err)
	assert.True(t, apierrors.IsServiceUnavailable(partial.Failed[broken]), "%v", partial.Failed[broken])
	assertHasBaseCRDs(t, groups, lists)

	m := restmapper.New(dc, restmapper.Options{})
	mapping, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deployment"})
	require.NoError(t, err)
	assert.Equal(t, deploymentsV1, mapping.Resource)
	// A lookup without a group loads every group, the broken one too: the
	// healthy answer comes with an error that names what failed, if any.
	gvr, err := m.ResourceForWithContext(ctx, schema.GroupVersionResource{Resource: "deployments"})
	assert.Equal(t, deploymentsV1, gvr)
	if err != nil {
		var failed *restmapper.DiscoveryError
		require.ErrorAs(t, err, &failed)
		assert.Contains(t, failed.Failed, broken)
	}
	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: broken.Group, Kind: "Anything"})
	assert.Error(t, err)
}
