package rest

import (
	"crypto/sha256"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cachedCAs counts the shared transports cached for the given CA bundles.
func cachedCAs(cas [][]byte) int {
	want := map[[sha256.Size]byte]bool{}
	for _, ca := range cas {
		want[sha256.Sum256(ca)] = true
	}
	transportsMu.Lock()
	defer transportsMu.Unlock()
	n := 0
	for k := range transports {
		if want[k.ca] {
			n++
		}
	}
	return n
}

// TestSharedTransportsForgotten: clients of many clusters, each with its own
// CA (a fleet of real clusters), leave nothing in the shared transport cache
// once they are gone. Before the cache held transports weakly, every distinct
// CA kept its transport, TLS config and connection pool for the life of the
// process.
func TestSharedTransportsForgotten(t *testing.T) {
	const clusters = 40
	var cas [][]byte
	func() {
		var clients []*Client
		for range clusters {
			pki := newTestPKI(t, "127.0.0.1")
			cas = append(cas, pki.caPEM)
			c, err := NewClient(&Config{Host: "https://127.0.0.1:1", TLS: TLSConfig{CAData: pki.caPEM}})
			require.NoError(t, err)
			clients = append(clients, c)
		}
		// Equal settings still share one transport while it is in use.
		again, err := NewClient(&Config{Host: "https://127.0.0.1:2", TLS: TLSConfig{CAData: cas[0]}})
		require.NoError(t, err)
		assert.Equal(t, clusters, cachedCAs(cas))
		runtime.KeepAlive(clients)
		runtime.KeepAlive(again)
	}()
	require.Eventually(t, func() bool {
		runtime.GC()
		return cachedCAs(cas) == 0
	}, 10*time.Second, 20*time.Millisecond, "transports of clients that are gone stay cached")
}
