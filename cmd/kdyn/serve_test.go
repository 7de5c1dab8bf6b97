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
	"syscall"
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

// hostileRecording copies a recording and plants a link from one of its
// documents to a JSON file outside it, and a named pipe at another.
func hostileRecording(t *testing.T, plant string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rec")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(clustersDir, "k3s-v1.25.0"))))
	switch plant {
	case "link":
		leak := filepath.Join(t.TempDir(), "leak.json")
		require.NoError(t, os.WriteFile(leak, []byte(`{"secret":"outside"}`), 0o600))
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "openapi", "v3", "apis"), 0o755))
		require.NoError(t, os.Symlink(leak, filepath.Join(dir, "openapi", "v3", "apis", "leak.json")))
	case "fifo":
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "apis", "apps", "v1.json.tmp"), 0o600))
		require.NoError(t, os.Remove(filepath.Join(dir, "apis", "apps", "v1.json")))
		require.NoError(t, os.Rename(filepath.Join(dir, "apis", "apps", "v1.json.tmp"), filepath.Join(dir, "apis", "apps", "v1.json")))
	}
	return dir
}

// TestServeRefusesLinksOut: a recording with a document linked to a file
// outside it is refused; nothing is served.
func TestServeRefusesLinksOut(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // were the recording accepted, serve would stop at once and return nil
	var stdout, stderr bytes.Buffer
	err := serve(ctx, []string{hostileRecording(t, "link"), "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "openapi/v3/apis/leak.json")
	assert.Empty(t, stdout.String())
}

// startServe runs the kdyn binary's serve on dir and returns it with its
// stdout.
func startServe(t *testing.T, dir string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	bin, err := buildOnce()
	require.NoError(t, err)
	cmd := exec.Command(bin, "serve", dir, "--addr", "127.0.0.1:0")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	return cmd, &stdout, &stderr
}

// waitExit waits up to d for cmd to exit; past it, it kills cmd and fails.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration, signal func()) *os.ProcessState {
	t.Helper()
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return cmd.ProcessState
		case <-tick.C:
			if signal != nil {
				signal()
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("kdyn serve still running after %s", d)
			return cmd.ProcessState
		}
	}
}

// TestServeHostileFilesAndSignals runs the kdyn binary: a named pipe in the
// recording fails the load at once, naming the file; and once interrupted,
// a second signal ends the process even while the first one's shutdown
// waits for connections.
func TestServeHostileFilesAndSignals(t *testing.T) {
	t.Run("named pipe", func(t *testing.T) {
		cmd, _, stderr := startServe(t, hostileRecording(t, "fifo"))
		st := waitExit(t, cmd, 10*time.Second, nil)
		assert.Equal(t, 1, st.ExitCode(), stderr.String())
		assert.Contains(t, stderr.String(), "apis/apps/v1.json: not a regular file (a named pipe)")
	})
	t.Run("second signal", func(t *testing.T) {
		cmd, stdout, stderr := startServe(t, filepath.Join(clustersDir, "k3s-v1.25.0"))
		var url string
		require.Eventually(t, func() bool {
			_, url, _ = strings.Cut(strings.TrimSpace(stdout.String()), " at ")
			return url != ""
		}, 10*time.Second, 10*time.Millisecond, stderr.String())
		// A connection that has sent nothing holds a graceful shutdown for
		// shutdownGrace (5 s): only a second signal ends it sooner.
		silent, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		require.NoError(t, err)
		defer silent.Close()
		st := waitExit(t, cmd, 4*time.Second, func() { _ = cmd.Process.Signal(os.Interrupt) })
		ws, ok := st.Sys().(syscall.WaitStatus)
		require.True(t, ok)
		assert.True(t, ws.Signaled() && ws.Signal() == syscall.SIGINT, "ended by the second SIGINT, not after the grace period: %v", st)
	})
}
