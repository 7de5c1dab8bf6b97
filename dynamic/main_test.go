package dynamic

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	pods        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	nodes       = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	configMaps  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// newTestClient starts an httptest server with h and returns a Client for it.
func newTestClient(t testing.TB, h http.HandlerFunc, opts Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, MaxRetries: -1, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return NewWithOptions(rc, opts)
}
