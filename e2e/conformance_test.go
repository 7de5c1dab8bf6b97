package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/e2e/internal/conformance"
	"github.com/kdyn/kdyn/fixture"
)

// TestConformance plays the conformance scenarios against kube-apiserver
// and against the fixture server serving the k8s-1.37 recording (of this
// same server version), and fails on any difference the suite does not
// explain. The harness runs no kube-controller-manager, so the fixture runs
// without its controllers too: what is compared is the API server's own
// answers. Run one scenario with CONFORMANCE_SCENARIO=name.
func TestConformance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cluster, err := fixture.Load(recordingDir)
	require.NoError(t, err)
	fs := fixture.NewServer(cluster, fixture.WithoutControllers())
	t.Cleanup(fs.Close)
	client, err := serverHTTPClient()
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)

	real := &conformance.Target{Name: "kube-apiserver", URL: srv.URL, Token: srv.AdminToken, Client: client, Compact: srv.CompactEtcd}
	fake := &conformance.Target{Name: "fixture", URL: fs.URL, Client: &http.Client{},
		Compact: func(context.Context) error { fs.Compact(); return nil }}
	scenarios := conformance.Scenarios()
	if only := os.Getenv("CONFORMANCE_SCENARIO"); only != "" {
		var picked []conformance.Scenario
		for _, s := range scenarios {
			if strings.Contains(s.Name, only) {
				picked = append(picked, s)
			}
		}
		scenarios = picked
	} else {
		assert.GreaterOrEqual(t, len(scenarios), 40, "scenarios")
	}

	start := time.Now()
	rep, err := conformance.Run(ctx, scenarios, real, fake)
	require.NoError(t, err)
	for _, d := range rep.Differences {
		if d.Explained != "" {
			t.Log(d)
		}
	}
	for _, d := range rep.Unexplained() {
		t.Error(d)
	}
	fmt.Printf("%s (%s)\n", rep.Summary(), time.Since(start).Round(time.Millisecond))
	if os.Getenv("CONFORMANCE_SCENARIO") == "" {
		assert.GreaterOrEqual(t, rep.Requests, 300, "requests compared")
	}
}
