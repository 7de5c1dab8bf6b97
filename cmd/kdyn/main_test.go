package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// binDir holds the kdyn binary the tests build, once.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kdyn-test-bin-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}

var buildOnce = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "kdyn")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: out, err: err}
	}
	return bin, nil
})

type buildError struct {
	out []byte
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + string(e.out) }

// binary runs the built kdyn binary with args and returns its stdout,
// stderr and exit code.
func binary(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	bin, err := buildOnce()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, stderr.String())
		code = exit.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}
