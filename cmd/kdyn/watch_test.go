package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer a command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitForWatch waits until the server has received a watch on path.
func (h *harness) waitForWatch(t *testing.T, suffix string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for p := range h.srv.Stats().Paths {
			if strings.HasSuffix(p, suffix) {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
}

func TestWatch(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	h.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps))

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- commands["watch"].run(ctx, []string{"configmaps", "-A", "--kubeconfig", h.kubeconfig}, &out, &errOut)
	}()
	h.waitForWatch(t, "/api/v1/configmaps")
	h.must(t, "apply", "-f", writeTemp(t, "cm.yaml", strings.ReplaceAll(configMaps, "blue", "green")))
	h.must(t, "delete", "cm", "-n", "kube-system", "other")
	require.Eventually(t, func() bool {
		return strings.Contains(out.String(), "DELETED kube-system/other\n")
	}, 10*time.Second, 10*time.Millisecond, out.String())
	cancel()
	require.NoError(t, <-done, errOut.String())
	assert.Contains(t, out.String(), "MODIFIED default/settings\n")
}

func TestWatchNameAndTimeout(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	start := time.Now()
	r := h.kdyn(t, "watch", "cm", "settings", "--timeout", "300ms")
	require.NoError(t, r.err)
	assert.Empty(t, r.stdout)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	assert.Equal(t, 1, h.srv.Stats().Paths["/api/v1/namespaces/default/configmaps"])
	assert.ErrorIs(t, h.kdyn(t, "watch").err, errUsage)
}
