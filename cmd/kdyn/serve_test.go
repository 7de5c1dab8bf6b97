package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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

// TestServeInterruptWithIdleConnections interrupts serve while clients
// hold connections open: one kept alive after a request, one that has
// sent nothing (http.Server.Shutdown counts it as busy for 5 s) and one
// with a request half sent. After the grace period serve closes them and
// returns nil, so Ctrl-C exits 0.
func TestServeInterruptWithIdleConnections(t *testing.T) {
	defer goleak.VerifyNone(t)
	old := shutdownGrace
	shutdownGrace = 200 * time.Millisecond
	t.Cleanup(func() { shutdownGrace = old })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{filepath.Join(clustersDir, "k3s-v1.25.0"), "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	var url string
	require.Eventually(t, func() bool {
		_, url, _ = strings.Cut(strings.TrimSpace(stdout.String()), " at ")
		return url != ""
	}, 10*time.Second, 10*time.Millisecond, stderr.String())

	keepAlive := &http.Transport{}
	defer keepAlive.CloseIdleConnections()
	resp, err := (&http.Client{Transport: keepAlive}).Get(url + "/version")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	addr := strings.TrimPrefix(url, "http://")
	silent, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer silent.Close()
	half, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer half.Close()
	_, err = half.Write([]byte("GET /version HTTP/1.1\r\nHost: x\r\n"))
	require.NoError(t, err)

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, stderr.String())
		assert.Less(t, time.Since(start), 3*time.Second)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "serve did not return after the interrupt")
	}
	_, err = silent.Read(make([]byte, 1))
	assert.Error(t, err, "the connection was closed")
}
