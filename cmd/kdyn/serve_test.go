package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestServeWithKubectl runs "kdyn serve" in-process and points kubectl at
// the kubeconfig it writes.
func TestServeWithKubectl(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tls := range []bool{false, true} {
		dir := t.TempDir()
		kubeconfig := filepath.Join(dir, "kubeconfig")
		args := []string{filepath.Join("..", "..", "testdata", "clusters", "k3s-v1.25.0"),
			"--addr", "127.0.0.1:0", "--kubeconfig-out", kubeconfig}
		if tls {
			args = append(args, "--tls")
		}
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr bytes.Buffer
		var wg sync.WaitGroup
		var err error
		wg.Go(func() { err = serve(ctx, args, &stdout, &stderr) })

		require.Eventually(t, func() bool { _, err := os.Stat(kubeconfig); return err == nil }, 10*time.Second, 10*time.Millisecond)
		cmd := exec.Command("kubectl", "--kubeconfig", kubeconfig, "api-resources", "-o", "name")
		cmd.Env = append(os.Environ(), "HOME="+dir, "KUBECACHEDIR="+filepath.Join(dir, "cache"))
		out, kerr := cmd.CombinedOutput()
		require.NoError(t, kerr, string(out))
		assert.Contains(t, strings.Fields(string(out)), "deployments.apps")
		assert.Contains(t, strings.Fields(string(out)), "helmcharts.helm.cattle.io")

		cancel()
		wg.Wait()
		require.NoError(t, err, stderr.String())
		assert.Contains(t, stdout.String(), "serving k3s-v1.25.0 at http")
	}
}

func TestServeErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ctx := context.Background()
	assert.Error(t, serve(ctx, nil, &stdout, &stderr), "no directory")
	assert.Error(t, serve(ctx, []string{"a", "b"}, &stdout, &stderr), "two directories")
	err := serve(ctx, []string{filepath.Join(t.TempDir(), "missing")}, &stdout, &stderr)
	assert.ErrorContains(t, err, "fixture: load")
	assert.Equal(t, 2, run(ctx, []string{"nope"}, &stdout, &stderr))
}

func TestReorder(t *testing.T) {
	assert.Equal(t, []string{"--addr", "x", "--tls", "DIR"}, reorder([]string{"DIR", "--addr", "x", "--tls"}))
	assert.Equal(t, []string{"--addr=x", "DIR", "-y"}, reorder([]string{"DIR", "--addr=x", "--", "-y"}))
}
