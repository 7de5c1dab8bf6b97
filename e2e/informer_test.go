package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/kdyn/kdyn/fixture"
)

// queryLog records the query of each request to the ConfigMaps of a
// namespace. It is safe for concurrent use.
type queryLog struct {
	base http.RoundTripper
	mu   sync.Mutex // guards seen
	seen []url.Values
}

func (l *queryLog) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL.Path == "/api/v1/namespaces/informed/configmaps" {
		l.mu.Lock()
		l.seen = append(l.seen, req.URL.Query())
		l.mu.Unlock()
	}
	return l.base.RoundTrip(req)
}

func (l *queryLog) queries() []url.Values {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]url.Values(nil), l.seen...)
}

// TestClientGoInformerWatchList syncs a client-go dynamic informer from the
// fixture server with client-go's WatchListClient feature off (a list,
// then a watch) and on (one watch streaming the initial state, ended by
// the k8s.io/initial-events-end bookmark), and then follows changes.
func TestClientGoInformerWatchList(t *testing.T) {
	cmGVR := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("WatchListClient=%t", on), func(t *testing.T) {
			clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.WatchListClient, on)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cluster, err := fixture.Load(recordingDir)
			require.NoError(t, err)
			fs := fixture.NewServer(cluster)
			t.Cleanup(fs.Close)
			log := &queryLog{base: http.DefaultTransport}
			cfg := &restclient.Config{Host: fs.URL, QPS: -1, WrapTransport: func(http.RoundTripper) http.RoundTripper { return log }}
			dyn, err := dynamic.NewForConfig(cfg)
			require.NoError(t, err)
			_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx,
				&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "informed"}}}, metav1.CreateOptions{})
			require.NoError(t, err)
			cms := dyn.Resource(cmGVR).Namespace("informed")
			const n = 40
			for i := range n {
				_, err := cms.Create(ctx, configMap(fmt.Sprintf("cm-%02d", i), map[string]any{"k": "v"}), metav1.CreateOptions{})
				require.NoError(t, err)
			}

			factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, "informed", nil)
			inf := factory.ForResource(cmGVR).Informer()
			stop := make(chan struct{})
			factory.Start(stop)
			t.Cleanup(func() { close(stop); factory.Shutdown() })
			require.True(t, cache.WaitForCacheSync(ctx.Done(), inf.HasSynced))
			assert.Len(t, inf.GetStore().List(), n)

			first := log.queries()[0]
			if on {
				assert.Equal(t, "true", first.Get("sendInitialEvents"), "one watch streams the initial state: %v", first)
				assert.Equal(t, "true", first.Get("watch"))
				assert.Equal(t, "NotOlderThan", first.Get("resourceVersionMatch"))
			} else {
				assert.Empty(t, first.Get("watch"), "a list comes first: %v", first)
				assert.Empty(t, first.Get("sendInitialEvents"))
			}

			_, err = cms.Create(ctx, configMap("late", map[string]any{"k": "v"}), metav1.CreateOptions{})
			require.NoError(t, err)
			require.NoError(t, cms.Delete(ctx, "cm-00", metav1.DeleteOptions{}))
			waitFor(ctx, t, "the informer follows", func() bool {
				_, lateOK, _ := inf.GetStore().GetByKey("informed/late")
				_, goneOK, _ := inf.GetStore().GetByKey("informed/cm-00")
				return lateOK && !goneOK
			})
		})
	}
}
