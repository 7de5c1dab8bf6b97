package rest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloseIdleConnections: the server sees the client's idle connection
// closed, credentials or not.
func TestCloseIdleConnections(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(host string) *Config
	}{
		{"no credentials", func(h string) *Config { return &Config{Host: h} }},
		{"token", func(h string) *Config { return &Config{Host: h, BearerToken: "t"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			closed := make(chan struct{}, 1)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{}`))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateClosed {
					closed <- struct{}{}
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			c, err := NewClient(tc.cfg(srv.URL))
			require.NoError(t, err)
			require.NoError(t, c.Get().AbsPath("/x").Do(context.Background()).Error())

			c.CloseIdleConnections()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				assert.Fail(t, "the idle connection is still open")
			}
		})
	}
}
