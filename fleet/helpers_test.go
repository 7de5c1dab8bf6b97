package fleet

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

var (
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	deployment  = schema.GroupKind{Group: "apps", Kind: "Deployment"}
)

// recorded loads a recorded cluster of testdata/clusters.
func recorded(t testing.TB, name string) *fixture.Cluster {
	t.Helper()
	c, err := fixture.Load(filepath.Join("..", "testdata", "clusters", name))
	require.NoError(t, err)
	return c
}

// serve starts a fixture server for c, closed when the test ends.
func serve(t testing.TB, c *fixture.Cluster, opts ...fixture.Option) *fixture.Server {
	t.Helper()
	srv := fixture.NewServer(c, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// quiet is cfg without retries and warnings, so that faults show at once.
func quiet(cfg *rest.Config) *rest.Config {
	cfg.MaxRetries = -1
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg
}

// deadConfig is a Config for a loopback port nothing listens on any more.
func deadConfig(t testing.TB) *rest.Config {
	t.Helper()
	srv := fixture.NewServer(fixture.Synthetic(0, 0))
	cfg := srv.Config()
	srv.Close()
	return quiet(cfg)
}

// served records which members are being served, and by whom, failing the
// test when one is served twice at once.
type served struct {
	t      testing.TB
	mu     sync.Mutex // guards by, starts and twice
	by     map[string]string
	starts map[string]int
	twice  []string
}

func newServed(t testing.TB) *served {
	return &served{t: t, by: map[string]string{}, starts: map[string]int{}}
}

// begin marks name served by replica; end unmarks it.
func (s *served) begin(name, replica string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.by[name]; ok {
		s.twice = append(s.twice, name+" by "+other+" and "+replica)
	}
	s.by[name] = replica
	s.starts[name]++
}

func (s *served) end(name, replica string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by[name] == replica {
		delete(s.by, name)
	}
}

// owners returns who serves each member now.
func (s *served) owners() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.by))
	for k, v := range s.by {
		out[k] = v
	}
	return out
}

func (s *served) overlaps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.twice...)
}

func groupVersion(group, version string) schema.GroupVersion {
	return schema.GroupVersion{Group: group, Version: version}
}
