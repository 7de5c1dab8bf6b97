package rest

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInClusterConfig(t *testing.T) {
	p := newTestPKI(t)
	got := make(chan http.Header, 1)
	srv := p.tlsServer(t, false)
	srv.Config.Handler = headerEcho(t, got)
	dir := t.TempDir()
	writeFile(t, dir, "token", []byte("sa-token\n"))
	writeFile(t, dir, "ca.crt", p.caPEM)
	writeFile(t, dir, "namespace", []byte("kube-system"))
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	env := map[string]string{"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}

	cfg, err := inClusterConfig(dir, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, "kube-system", cfg.Namespace)
	assert.Equal(t, srv.URL, cfg.Host)
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	require.NoError(t, c.Get().Do(context.Background()).Error())
	assert.Equal(t, "Bearer sa-token", (<-got).Get("Authorization"))

	_, err = inClusterConfig(t.TempDir(), func(k string) string { return env[k] })
	require.ErrorContains(t, err, "in-cluster service account token")

	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	_, err = InClusterConfig()
	require.ErrorContains(t, err, "not running in a cluster")
}
