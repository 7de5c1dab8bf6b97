package cache_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/fixture"
)

// TestRelistAfterGone: the informer's watch is cut off while 30 changes
// are made, more than the server's history of 20 events, so it resumes
// into 410 Gone and relists. Handlers then see exactly the 30 changes, and
// the store never drops below or above what it should hold.
func TestRelistAfterGone(t *testing.T) {
	for name, opts := range map[string]cache.Options{
		"watchlist":  fastOptions,
		"paged list": {DisableWatchList: true, PageSize: 7, MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts, fixture.WithWatchHistory(20))
			e.installCRD(t)
			e.createWidgets(t, 60, "default")
			ctx := ctxFor(t, 30*time.Second)
			inf, err := e.cache.Informer(ctx, widgetGVK, cache.InformerOptions{})
			require.NoError(t, err)
			rec := newRecorder()
			inf.AddHandler(rec.handler())
			require.NoError(t, inf.WaitForSync(ctx))
			drained(t, inf)

			// The informer watches the cluster-wide path; writes go to the namespaced one.
			e.srv.DropConnections("/apis/example.com/v1/widgets", -1)
			e.srv.CloseWatches()
			r := e.widgets("default")
			for i := range 10 {
				_, err := r.Create(ctx, widget("default", fmt.Sprintf("new%d", i), i), metav1.CreateOptions{})
				require.NoError(t, err)
				_, err = r.Patch(ctx, fmt.Sprintf("w%04d", i), types.MergePatchType, []byte(`{"spec":{"size":100}}`), metav1.PatchOptions{})
				require.NoError(t, err)
				require.NoError(t, r.Delete(ctx, fmt.Sprintf("w%04d", 59-i), metav1.DeleteOptions{}))
			}

			// Watch the store's size while the informer catches up.
			var lo, hi atomic.Int64
			lo.Store(1 << 30)
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n := int64(len(inf.List(nil)))
					if n < lo.Load() {
						lo.Store(n)
					}
					if n > hi.Load() {
						hi.Store(n)
					}
					select {
					case <-stop:
						return
					default:
					}
				}
			}()
			e.srv.ClearFaults()
			want := converge(t, inf, r)
			close(stop)
			wg.Wait()
			drained(t, inf)

			rec.check(t, want)
			_, adds, updates, deletes := rec.counts()
			assert.Equal(t, []int{70, 10, 10}, []int{adds, updates, deletes}, "60 initial adds, then the 30 changes only")
			st := inf.Stats()
			assert.Equal(t, uint64(1), st.Relists)
			assert.Equal(t, uint64(2), st.Syncs)
			assert.GreaterOrEqual(t, lo.Load(), int64(60), "never emptied")
			assert.LessOrEqual(t, hi.Load(), int64(70), "never doubled: at most the new objects beside the old")
		})
	}
}
