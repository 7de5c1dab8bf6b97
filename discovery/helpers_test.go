package discovery

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/fixture"
)

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, v))
}

// newTestServer starts a fixture server for cluster and a Client on it.
func newTestServer(t *testing.T, cluster *fixture.Cluster, opts Options, serverOpts ...fixture.Option) (*Client, *fixture.Server) {
	t.Helper()
	srv := fixture.NewServer(cluster, serverOpts...)
	t.Cleanup(srv.Close)
	c, err := NewForConfig(srv.Config(), opts)
	require.NoError(t, err)
	t.Cleanup(c.rc.CloseIdleConnections)
	return c, srv
}

func loadCluster(t *testing.T, name string) *fixture.Cluster {
	t.Helper()
	c, err := fixture.Load(filepath.Join(clustersDir, name))
	require.NoError(t, err)
	return c
}

// countGVs counts the group-versions of a group list.
func countGVs(groups []*metav1.APIGroup) int {
	n := 0
	for _, g := range groups {
		n += len(g.Versions)
	}
	return n
}

func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func findGroup(t *testing.T, groups []metav1.APIGroup, name string) metav1.APIGroup {
	t.Helper()
	for _, g := range groups {
		if g.Name == name {
			return g
		}
	}
	require.Failf(t, "group not listed", "%s", name)
	return metav1.APIGroup{}
}

// expire makes everything c knows older than its TTL, as a clock moved past
// it would, without the flakiness of sleeping in tests that count requests.
// Documents cached by a hash-bearing URL never expire, and stay.
func expire(c *Client) {
	for key := range c.fresh.Items() {
		if !strings.HasPrefix(key, openAPIV3DocKey) {
			c.fresh.Delete(key)
		}
	}
}
