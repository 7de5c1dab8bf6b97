package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
)

// clustersDir holds the project's recorded clusters.
var clustersDir = filepath.Join("..", "..", "testdata", "clusters")

func loadRecorded(t *testing.T, name string) *fixture.Cluster {
	t.Helper()
	c, err := fixture.Load(filepath.Join(clustersDir, name))
	require.NoError(t, err)
	return c
}

// harness is a fixture server and a kubeconfig for it.
type harness struct {
	srv        *fixture.Server
	kubeconfig string
}

func newHarness(t *testing.T, c *fixture.Cluster, opts ...fixture.Option) *harness {
	t.Helper()
	s := fixture.NewServer(c, opts...)
	t.Cleanup(s.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, s.Kubeconfig(), 0o600))
	return &harness{srv: s, kubeconfig: kubeconfig}
}

// result is what one command printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

// kdyn runs command name's Go function with args and --kubeconfig.
func (h *harness) kdyn(t *testing.T, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return runCommand(ctx, name, append(args, "--kubeconfig", h.kubeconfig)...)
}

// must is kdyn failing the test on an error.
func (h *harness) must(t *testing.T, name string, args ...string) string {
	t.Helper()
	r := h.kdyn(t, name, args...)
	require.NoError(t, r.err, "kdyn %s %v: %s", name, args, r.stderr)
	return r.stdout
}

func runCommand(ctx context.Context, name string, args ...string) result {
	var stdout, stderr bytes.Buffer
	err := commands[name].run(ctx, args, &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}
