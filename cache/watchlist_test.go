package cache_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/cache"
)

// refusedWatchList is kube-apiserver's answer to sendInitialEvents with the
// WatchList gate off.
const refusedWatchList = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
	`"message":"ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",` +
	`"reason":"Invalid","details":{"group":"meta.k8s.io","kind":"ListOptions","causes":[{"reason":"FieldValueForbidden",` +
	`"message":"Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled","field":"sendInitialEvents"}]},"code":422}`

// TestWatchListRefused: behind a server that refuses WatchList (422, as
// kube-apiserver with the gate off) or ignores it (streams the objects but
// never the bookmark that ends them, as servers before 1.27), informers
// list page by page and watch instead, and the Cache asks only once.
func TestWatchListRefused(t *testing.T) {
	for name, serverDoes := range map[string]func(w http.ResponseWriter, r *http.Request, next http.Handler){
		"refuses": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(refusedWatchList))
		},
		"ignores": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			q := r.URL.Query()
			q.Del("sendInitialEvents")
			q.Del("resourceVersionMatch")
			r.URL.RawQuery = q.Encode()
			next.ServeHTTP(w, r)
		},
	} {
		t.Run(name, func(t *testing.T) {
			base := newEnv(t, fastOptions)
			base.installCRD(t)
			base.namespaces(t, "a")
			base.createWidgets(t, 30, "default", "a")
			target, err := url.Parse(base.srv.URL)
			require.NoError(t, err)
			proxy := httputil.NewSingleHostReverseProxy(target)
			proxy.FlushInterval = -1
			var attempts atomic.Int32
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("sendInitialEvents") == "true" {
					attempts.Add(1)
					serverDoes(w, r, proxy)
					return
				}
				proxy.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			opts := fastOptions
			opts.WatchListIdleTimeout = 300 * time.Millisecond
			opts.PageSize = 8
			e := newEnvFor(t, base.srv, front.URL, opts)
			ctx := ctxFor(t, 30*time.Second)

			all, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			rec := newRecorder()
			all.AddHandler(rec.handler())
			require.NoError(t, all.WaitForSync(ctx))
			inA, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{Namespace: "a"})
			require.NoError(t, err)
			require.NoError(t, inA.WaitForSync(ctx))

			assert.Equal(t, int32(1), attempts.Load(), "the refusal is remembered by the Cache")
			assert.False(t, all.Stats().WatchList)
			assert.False(t, inA.Stats().WatchList)
			want := converge(t, all, base.dyn.Resource(widgetGVR))
			assert.Len(t, want, 30)
			assert.Len(t, inA.List(nil), 15)
			drained(t, all)
			rec.check(t, want)

			// The watch from the list's resourceVersion carries changes.
			base.createRange(t, 30, 32, "default", "a")
			want = converge(t, all, base.dyn.Resource(widgetGVR))
			drained(t, all)
			rec.check(t, want)
			assert.Len(t, want, 32)
		})
	}
}
