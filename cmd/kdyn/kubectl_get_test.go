package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// age matches kubectl's ages ("5s", "3m2s"), which differ between two runs.
var age = regexp.MustCompile(`\b(\d+[smhdy])+\b`)

// cells is out with ages blanked, as fields per line: two runs a second
// apart differ in ages and so in column widths, nothing else.
func cells(out string) [][]string {
	var lines [][]string
	for l := range strings.SplitSeq(out, "\n") {
		lines = append(lines, strings.Fields(age.ReplaceAllString(l, "AGE")))
	}
	return lines
}

// TestKubectlGetAsKdyn: kdyn get prints what kubectl get prints, -o wide
// included, and names a resource type the server lacks as kubectl does.
func TestKubectlGetAsKdyn(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k8s-1.37"))
	e.must(t, "create", "deployment", "web", "--image=nginx", "--replicas=2")
	e.must(t, "run", "p", "--image=nginx")
	for _, args := range [][]string{
		{"get", "pods"},
		{"get", "pods", "-o", "wide"},
		{"get", "deployments", "-o", "wide"},
		{"get", "deploy,pods", "-o", "wide"},
		{"get", "pods", "-A", "-o", "wide"},
		{"get", "namespaces", "-o", "wide"},
	} {
		want := e.must(t, args...)
		assert.Equal(t, cells(want), cells(e.mustKdyn(t, args...)), "%v: kubectl prints\n%s", args, want)
	}

	for _, arg := range []string{"widgetz", "widgetz,pods"} {
		_, stderr, err := e.kubectl(t, "get", arg)
		require.Error(t, err)
		_, kerr := e.kdyn(t, "get", arg)
		require.Error(t, kerr)
		msg := strings.TrimPrefix(strings.TrimSpace(stderr), "error: ")
		assert.Equal(t, `the server doesn't have a resource type "widgetz"`, msg)
		assert.Contains(t, kerr.Error(), "kdyn get: "+msg, arg)
	}
}
