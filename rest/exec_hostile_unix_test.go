//go:build unix

package rest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const execCredentialJSON = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"tok"}}`

// shellPlugin writes a plugin running script with sh and returns a client
// for a server accepting its token, and where the script may write a pid.
func shellPlugin(t *testing.T, script string) (*Client, string) {
	t.Helper()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	plugin := filepath.Join(dir, "plugin")
	require.NoError(t, os.WriteFile(plugin, []byte("#!/bin/sh\nPIDFILE="+pidFile+"\n"+script), 0o700))
	var n atomic.Int32
	cfg := tokenServer(t, func(a string) bool { return a == "Bearer tok" }, &n)
	cfg.ExecProvider = &ExecConfig{Command: plugin, APIVersion: execV1}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	t.Cleanup(func() { killPidFile(pidFile) })
	return c, pidFile
}

func killPidFile(path string) {
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func alive(t *testing.T, pidFile string) bool {
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return syscall.Kill(pid, 0) == nil
}

func execAuthOf(c *Client) *execAuth {
	return c.http.Transport.(*authRoundTripper).creds.(*execAuth)
}

// TestExecPluginChildKeepsStdout: the plugin prints its credential and
// exits, leaving a child that holds stdout for a minute. The request goes
// through within the bounded wait after the exit, not after the child.
func TestExecPluginChildKeepsStdout(t *testing.T) {
	c, _ := shellPlugin(t, "echo '"+execCredentialJSON+"'\nsleep 60 &\necho $! > $PIDFILE\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	assert.NoError(t, c.Get().Do(ctx).Error())
}

// TestExecPluginTimeoutKillsItsGroup: a plugin that hangs, with a child of
// its own, is killed whole at the timeout.
func TestExecPluginTimeoutKillsItsGroup(t *testing.T) {
	c, pidFile := shellPlugin(t, "sleep 60 &\necho $! > $PIDFILE\nsleep 60\n")
	execAuthOf(c).timeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := c.Get().Do(ctx).Error()
	require.ErrorContains(t, err, "did not finish in 1s")
	assert.Eventually(t, func() bool { return !alive(t, pidFile) }, 5*time.Second, 50*time.Millisecond,
		"the plugin's child was killed with it")
}

// TestExecPluginOutputBounded: 64 MiB on stdout is refused with a
// *TooLargeError, 64 MiB on stderr is read and dropped but for its first
// KiB; neither is kept in memory.
func TestExecPluginOutputBounded(t *testing.T) {
	for _, tt := range []struct{ name, script string }{
		{"stdout", "head -c 67108864 /dev/zero\n"},
		{"stderr", "head -c 67108864 /dev/zero >&2\nexit 3\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := shellPlugin(t, tt.script)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := c.Get().Do(context.Background()).Error()
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			if tt.name == "stdout" {
				var tl *TooLargeError
				assert.ErrorAs(t, err, &tl)
			} else {
				assert.ErrorContains(t, err, "exit status 3")
				assert.Less(t, len(err.Error()), 2<<10)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(16<<20), "allocated %d bytes for 64 MiB of output", allocated)
		})
	}
}
