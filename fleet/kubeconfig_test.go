package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFromKubeconfig: one member per context, each reaching its own
// server; a broken context is named in the error and the others are in.
func TestFromKubeconfig(t *testing.T) {
	one := serve(t, recorded(t, "k8s-1.37"))
	two := serve(t, recorded(t, "k3s-v1.25.0"))
	kubeconfig := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
current-context: one
clusters:
- {name: one, cluster: {server: %q}}
- {name: two, cluster: {server: %q}}
contexts:
- {name: one, context: {cluster: one}}
- {name: two, context: {cluster: two}}
- {name: broken, context: {cluster: missing}}
`, one.URL, two.URL), 0o600))

	f, err := FromKubeconfig(kubeconfig, Options{})
	require.NotNil(t, f)
	var ce *ClusterError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "broken", ce.Cluster)
	assert.ErrorContains(t, err, `cluster "missing" not found`)
	assert.Equal(t, []string{"one", "two"}, f.Names())

	versions := Map(context.Background(), f, func(ctx context.Context, m *Member) (string, error) {
		v, err := m.Discovery().ServerVersion(ctx)
		if err != nil {
			return "", err
		}
		return v.GitVersion, nil
	})
	require.Len(t, versions, 2)
	for _, v := range versions {
		require.NoError(t, v.Err)
	}
	assert.NotEqual(t, versions[0].Value, versions[1].Value, "each member reaches its own server")
	for _, name := range f.Names() {
		f.Remove(name)
	}

	_, err = FromKubeconfig(filepath.Join(t.TempDir(), "absent"), Options{})
	assert.ErrorContains(t, err, "fleet: ")
}
