package rest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadKubeconfigContexts loads every context of two merged files at
// once, each as LoadKubeconfig loads it alone; a broken context is reported
// without hiding the others.
func TestLoadKubeconfigContexts(t *testing.T) {
	a, b := kubeconfigDirs(t)
	broken := writeFile(t, t.TempDir(), "config", []byte(`contexts:
- name: nowhere
  context: {cluster: missing}
`))
	t.Setenv("KUBECONFIG", strings.Join([]string{a, b, broken}, string(filepath.ListSeparator)))

	all, err := LoadKubeconfigContexts("")
	require.NoError(t, err)
	assert.Equal(t, "dev", all.Current)
	assert.Equal(t, []string{"dev", "insecure", "mixed", "nowhere", "prod"}, all.Names)
	for _, name := range []string{"dev", "insecure", "mixed", "prod"} {
		want, err := LoadKubeconfig("", name)
		require.NoError(t, err, name)
		assert.Equal(t, want, all.Configs[name], name)
	}
	require.Len(t, all.Errors, 1)
	assert.ErrorContains(t, all.Errors["nowhere"], `cluster "missing" not found`)
	assert.NotContains(t, all.Configs, "nowhere")

	_, err = LoadKubeconfigContexts(filepath.Join(t.TempDir(), "absent"))
	assert.Error(t, err)
}
