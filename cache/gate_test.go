package cache_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/cache"
)

// TestListGate: every informer reads its kind's state in a turn of
// Options.ListGate, which it ends once synced; while the gate gives no
// turn, nothing is read and the informer waits, then syncs.
func TestListGate(t *testing.T) {
	for name, opts := range map[string]cache.Options{
		"watchlist":  fastOptions,
		"paged list": {DisableWatchList: true, MinBackoff: fastOptions.MinBackoff, MaxBackoff: fastOptions.MaxBackoff},
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			turns, ends := 0, 0
			refuse := true
			opts.ListGate = func(ctx context.Context) (func(), error) {
				mu.Lock()
				defer mu.Unlock()
				if refuse {
					return nil, errors.New("not your turn")
				}
				turns++
				return func() {
					mu.Lock()
					ends++
					mu.Unlock()
				}, nil
			}
			e := newEnv(t, opts)
			e.namespaces(t, "a", "b")
			ctx := ctxFor(t, 30*time.Second)
			inf, err := e.cache.Informer(ctx, namespaceGVK, cache.InformerOptions{})
			require.NoError(t, err)
			require.Eventually(t, func() bool { return inf.Stats().LastError != nil }, 10*time.Second, 5*time.Millisecond)
			assert.ErrorContains(t, inf.Stats().LastError, "not your turn")
			assert.False(t, inf.HasSynced())

			mu.Lock()
			refuse = false
			mu.Unlock()
			require.NoError(t, inf.WaitForSync(ctx))
			assert.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return turns == 1 && ends == 1
			}, 10*time.Second, 5*time.Millisecond, "one turn, ended with the sync")
		})
	}
}
