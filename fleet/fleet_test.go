package fleet

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kdyn/kdyn/rest"
)

func TestAddRemove(t *testing.T) {
	srv := serve(t, recorded(t, "k8s-1.37"))
	f := New(Options{})
	require.NoError(t, f.Add("b", srv.Config()))
	require.NoError(t, f.Add("a", srv.Config()))
	assert.Equal(t, []string{"a", "b"}, f.Names())
	assert.Zero(t, srv.Stats().Requests, "adding makes no request")

	a, ok := f.Cluster("a")
	require.True(t, ok)
	assert.Equal(t, "a", a.Name())
	assert.Same(t, a.Discovery(), a.Discovery(), "built once")
	assert.Same(t, a.Mapper(), a.Mapper())
	assert.Same(t, a.Dynamic(), a.Dynamic())
	b, _ := f.Cluster("b")
	assert.NotSame(t, a.Discovery(), b.Discovery(), "each member has its own clients")
	assert.Zero(t, srv.Stats().Requests, "building the clients makes no request")

	m, err := a.Mapper().RESTMapping(deployment)
	require.NoError(t, err)
	assert.Equal(t, deployments, m.Resource)

	f.Remove("a")
	f.Remove("a") // twice is no error
	_, ok = f.Cluster("a")
	assert.False(t, ok)
	assert.Equal(t, []string{"b"}, f.Names())
	assert.ErrorIs(t, context.Cause(a.Context()), ErrRemoved)
	assert.Error(t, a.Context().Err(), "a removed member's context is done")
	require.NoError(t, f.Add("a", srv.Config()), "a removed name can be added again")
}

func TestAddErrors(t *testing.T) {
	f := New(Options{})
	cfg := &rest.Config{Host: "https://127.0.0.1:1"}
	require.NoError(t, f.Add("x", cfg))
	for _, tc := range []struct {
		name  string
		cfg   *rest.Config
		cause error
		text  string
	}{
		{name: "x", cfg: cfg, cause: ErrExists},
		{name: "", cfg: cfg, cause: ErrNoName},
		{name: "nil", cfg: nil, text: "nil Config"},
		{name: "no-host", cfg: &rest.Config{}, text: "Config.Host"},
		{name: "bad-ca", cfg: &rest.Config{Host: "https://h", TLS: rest.TLSConfig{CAFile: "/nonexistent/ca.crt"}}, text: "ca.crt"},
	} {
		t.Run(fmt.Sprintf("%q", tc.name), func(t *testing.T) {
			err := f.Add(tc.name, tc.cfg)
			var ce *ClusterError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.name, ce.Cluster)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause)
			}
			assert.ErrorContains(t, err, tc.text)
			assert.Contains(t, err.Error(), fmt.Sprintf("cluster %q", tc.name))
		})
	}
	assert.Equal(t, []string{"x"}, f.Names(), "failed adds leave nothing behind")
}

// TestServe: Serve runs for each member from Add until Remove, and Remove
// returns once it has; nothing of the member's goroutines is left.
func TestServe(t *testing.T) {
	srv := serve(t, recorded(t, "k8s-1.37"))
	before := goleak.IgnoreCurrent()
	started := make(chan string, 2)
	f := New(Options{Serve: func(ctx context.Context, m *Member) {
		// Work as a controller would: discovery, then wait for the end.
		if _, err := m.Mapper().RESTMappingWithContext(ctx, deployment); err != nil {
			t.Error(err)
		}
		started <- m.Name()
		<-ctx.Done()
	}})
	require.NoError(t, f.Add("a", srv.Config()))
	require.NoError(t, f.Add("b", srv.Config()))
	got := []string{<-started, <-started}
	assert.ElementsMatch(t, []string{"a", "b"}, got)

	f.Remove("a")
	f.Remove("b")
	assert.Empty(t, f.Names())
	goleak.VerifyNone(t, before)
}
