package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBinary builds kdyn and checks what a user sees: usage, exit codes,
// errors on stderr, and a command's output.
func TestBinary(t *testing.T) {
	_, stderr, code := binary(t)
	assert.Equal(t, 2, code)
	for _, name := range []string{"api-resources", "apply", "delete", "demo", "get", "record", "serve", "watch"} {
		assert.Contains(t, stderr, "\n  "+name+" ", "usage lists %s", name)
	}

	_, stderr, code = binary(t, "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `kdyn: unknown command "nope"`)

	_, stderr, code = binary(t, "get", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "usage: kdyn get RESOURCE")
	_, stderr, code = binary(t, "get")
	assert.Equal(t, 2, code, "a usage error")
	assert.Contains(t, stderr, "kdyn get: want a resource")

	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	stdout, stderr, code := binary(t, "api-resources", "--kubeconfig", h.kubeconfig, "-o", "name")
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, servedNames(t, h.srv.Cluster()), sortedFields(stdout))

	stdout, stderr, code = binary(t, "get", "nosuchthings", "--kubeconfig", h.kubeconfig)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.True(t, strings.HasPrefix(stderr, "kdyn get: "), stderr)

	stdout, _, code = binary(t, "demo")
	assert.Equal(t, 0, code)
	// Steps 1-9 cost a fixed number of requests; the cache's steps after
	// them depend on when its watches and probes run.
	assert.Regexp(t, `done: \d+ requests in all \(17 for steps 1-9\)`, stdout)
}
