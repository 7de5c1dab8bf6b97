package rest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts an httptest server closed at the end of the test.
func newTestServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newTestClient builds a client for srv; mutate adjusts the Config first.
func newTestClient(t *testing.T, srv *httptest.Server, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := &Config{Host: srv.URL, WarningHandler: NoWarnings{}}
	for _, f := range mutate {
		f(cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}
