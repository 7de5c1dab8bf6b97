package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kdyn runs the CLI against srv and returns its output.
func kdyn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kdynBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+srv.TokenKubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKdynCLI drives the CLI's apply, get, api-resources and delete against
// the real server, with a CR reached by its short name.
func TestKdynCLI(t *testing.T) {
	ns := newNamespace(t, srv, "e2e-cli")
	manifest := filepath.Join(t.TempDir(), "objects.yaml")
	require.NoError(t, os.WriteFile(manifest, []byte(`apiVersion: stable.kdyn.dev/v1
kind: Widget
metadata:
  name: cli-widget
spec:
  replicas: 2
  color: teal
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cli-config
data:
  k: v
`), 0o600))

	out, err := kdyn(t, "apply", "-f", manifest, "-n", ns)
	require.NoError(t, err, out)

	out, err = kdyn(t, "get", "wd", "-n", ns)
	require.NoError(t, err, out)
	assert.Contains(t, out, "REPLICAS", out)
	assert.Contains(t, out, "cli-widget", out)
	assert.Contains(t, out, "teal", out)

	out, err = kdyn(t, "get", "widgets,configmaps", "-n", ns, "-o", "name")
	require.NoError(t, err, out)
	assert.Contains(t, out, "cli-widget", out)
	assert.Contains(t, out, "cli-config", out)

	out, err = kdyn(t, "get", "configmap", "cli-config", "-n", ns, "-o", "json")
	require.NoError(t, err, out)
	assert.Contains(t, out, `"k": "v"`, out)

	out, err = kdyn(t, "api-resources", "-o", "name")
	require.NoError(t, err, out)
	lines := strings.Fields(out)
	assert.Contains(t, lines, "widgets.stable.kdyn.dev", out)
	assert.Contains(t, lines, "tenants.platform.kdyn.dev", out)
	assert.Contains(t, lines, "deployments.apps", out)

	out, err = kdyn(t, "delete", "widgets", "cli-widget", "-n", ns)
	require.NoError(t, err, out)
	out, err = kdyn(t, "get", "widgets", "cli-widget", "-n", ns)
	assert.Error(t, err, out)
	assert.Contains(t, out, "not found", out)
}
