package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeKubectlCaches: kdyn serve takes the caches kubectl left behind,
// as they are, and kubectl sees the cluster it cached.
func TestServeKubectlCaches(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k8s-1.37"))
	cache := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", h.kubeconfig, "--cache-dir", cache, "api-resources", "-o", "name")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	want, err := cmd.Output()
	require.NoError(t, err)
	hosts, err := os.ReadDir(filepath.Join(cache, "discovery"))
	require.NoError(t, err)
	require.Len(t, hosts, 1)

	for _, dir := range []string{filepath.Join(cache, "discovery", hosts[0].Name()), filepath.Join(cache, "http")} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			e := serveForKubectl(t, dir)
			assert.Equal(t, string(want), e.must(t, "api-resources", "-o", "name"))
		})
	}
}
