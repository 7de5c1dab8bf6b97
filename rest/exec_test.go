package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// buildExecPlugin compiles testdata/execplugin into dir.
func buildExecPlugin(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(dir, "execplugin")
	cmd := exec.Command(goBin, "build", "-o", out, "./testdata/execplugin")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)
	return out
}

// pluginRuns counts the lines the plugin appended to its count file.
func pluginRuns(t *testing.T, countFile string) int {
	b, err := os.ReadFile(countFile)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), "\n")
}

// tokenServer accepts only the token ok() says is good and counts requests.
func tokenServer(t *testing.T, ok func(authz string) bool, requests *atomic.Int32) *Config {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if !ok(r.Header.Get("Authorization")) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("{}"))
	})
	return &Config{Host: srv.URL, WarningHandler: NoWarnings{}}
}

func TestExecPlugin(t *testing.T) {
	plugin := buildExecPlugin(t, t.TempDir())

	newExec := func(t *testing.T, api string, env ...string) (*ExecConfig, string) {
		count := filepath.Join(t.TempDir(), "count")
		ec := &ExecConfig{Command: plugin, APIVersion: api, Env: []ExecEnvVar{{Name: "PLUGIN_COUNT", Value: count}}}
		for i := 0; i+1 < len(env); i += 2 {
			ec.Env = append(ec.Env, ExecEnvVar{Name: env[i], Value: env[i+1]})
		}
		return ec, count
	}

	for _, api := range []string{execV1, execV1beta1} {
		t.Run("token cached "+api, func(t *testing.T) {
			var n atomic.Int32
			cfg := tokenServer(t, func(a string) bool { return a == "Bearer tok-1" }, &n)
			ec, count := newExec(t, api, "PLUGIN_TOKEN", "tok")
			cfg.ExecProvider = ec
			c, err := NewClient(cfg)
			require.NoError(t, err)
			for range 3 {
				require.NoError(t, c.Get().Do(context.Background()).Error())
			}
			assert.Equal(t, 1, pluginRuns(t, count))
		})
	}

	t.Run("concurrent requests share one run", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(a string) bool { return a == "Bearer tok-1" }, &n)
		ec, count := newExec(t, execV1, "PLUGIN_TOKEN", "tok")
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { assert.NoError(t, c.Get().Do(context.Background()).Error()) })
		}
		wg.Wait()
		assert.Equal(t, 1, pluginRuns(t, count))
		assert.EqualValues(t, 8, n.Load())
	})

	t.Run("fetched again after expiry", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(a string) bool { return strings.HasPrefix(a, "Bearer tok-") }, &n)
		ec, count := newExec(t, execV1, "PLUGIN_TOKEN", "tok", "PLUGIN_EXPIRES_IN", "3600")
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		require.NoError(t, c.Get().Do(context.Background()).Error())
		ea := c.http.Transport.(*authRoundTripper).creds.(*execAuth)
		ea.mu.Lock()
		ea.cred.expiry = time.Now().Add(-time.Second) // as if an hour went by
		ea.mu.Unlock()
		require.NoError(t, c.Get().Do(context.Background()).Error())
		assert.Equal(t, 2, pluginRuns(t, count))
	})

	t.Run("fetched again once on 401", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(a string) bool { return a == "Bearer tok-2" }, &n)
		ec, count := newExec(t, execV1, "PLUGIN_TOKEN", "tok")
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		require.NoError(t, c.Post().Body(`{"a":1}`).Do(context.Background()).Error())
		assert.Equal(t, 2, pluginRuns(t, count))
		assert.EqualValues(t, 2, n.Load())
	})

	t.Run("only once on 401", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(string) bool { return false }, &n)
		ec, count := newExec(t, execV1, "PLUGIN_TOKEN", "tok")
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		err = c.Get().Do(context.Background()).Error()
		assert.True(t, apierrors.IsUnauthorized(err), "%v", err)
		assert.Equal(t, 2, pluginRuns(t, count))
		assert.EqualValues(t, 2, n.Load())
	})

	t.Run("provideClusterInfo", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(string) bool { return true }, &n)
		infoFile := filepath.Join(t.TempDir(), "info")
		ec, _ := newExec(t, execV1beta1, "PLUGIN_TOKEN", "tok", "PLUGIN_INFO", infoFile)
		ec.ProvideClusterInfo = true
		ec.ClusterExtension = json.RawMessage(`{"audience":"kdyn"}`)
		cfg.ExecProvider = ec
		cfg.TLS.ServerName = "kdyn.test"
		c, err := NewClient(cfg)
		require.NoError(t, err)
		require.NoError(t, c.Get().Do(context.Background()).Error())
		var info execCredentialWire
		b, err := os.ReadFile(infoFile)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &info))
		assert.Equal(t, "ExecCredential", info.Kind)
		assert.Equal(t, execV1beta1, info.APIVersion)
		require.NotNil(t, info.Spec.Cluster)
		assert.Equal(t, cfg.Host, info.Spec.Cluster.Server)
		assert.Equal(t, "kdyn.test", info.Spec.Cluster.TLSServerName)
		assert.JSONEq(t, `{"audience":"kdyn"}`, string(info.Spec.Cluster.Config))
	})

	t.Run("client certificate", func(t *testing.T) {
		p := newTestPKI(t)
		srv := p.tlsServer(t, true)
		dir := t.TempDir()
		ec, count := newExec(t, execV1, "PLUGIN_CERT", writeFile(t, dir, "c.crt", p.clientCertPEM),
			"PLUGIN_KEY", writeFile(t, dir, "c.key", p.clientKeyPEM))
		c := newTestClient(t, srv, func(c *Config) { c.TLS.CAData = p.caPEM; c.ExecProvider = ec })
		body, err := c.Get().Do(context.Background()).Raw()
		require.NoError(t, err)
		assert.Equal(t, "alice", string(body))
		assert.Equal(t, 1, pluginRuns(t, count))
	})

	t.Run("failure names plugin, shows stderr, hides stdout", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(string) bool { return true }, &n)
		ec, _ := newExec(t, execV1, "PLUGIN_FAIL", "please log in first")
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		err = c.Get().Do(context.Background()).Error()
		require.ErrorContains(t, err, "please log in first")
		assert.Contains(t, err.Error(), plugin)
		assert.NotContains(t, err.Error(), "leaked-secret")
		assert.Zero(t, n.Load())
	})

	t.Run("wrong apiVersion in output", func(t *testing.T) {
		var n atomic.Int32
		cfg := tokenServer(t, func(string) bool { return true }, &n)
		ec, _ := newExec(t, execV1, "PLUGIN_TOKEN", "secret-tok", "PLUGIN_API", execV1beta1)
		cfg.ExecProvider = ec
		c, err := NewClient(cfg)
		require.NoError(t, err)
		err = c.Get().Do(context.Background()).Error()
		require.ErrorContains(t, err, `apiVersion "client.authentication.k8s.io/v1beta1"`)
		assert.NotContains(t, err.Error(), "secret-tok")
	})
}

func TestExecPluginMissingBinary(t *testing.T) {
	ec := &ExecConfig{Command: "kdyn-test-no-such-plugin", APIVersion: execV1, InstallHint: "install it with: brew install kdyn-auth"}
	c, err := NewClient(&Config{Host: "http://127.0.0.1:1", ExecProvider: ec})
	require.NoError(t, err)
	err = c.Get().Do(context.Background()).Error()
	require.ErrorContains(t, err, `exec plugin "kdyn-test-no-such-plugin" not found`)
	assert.Contains(t, err.Error(), "brew install kdyn-auth")
}

func TestExecConfigErrors(t *testing.T) {
	_, err := NewClient(&Config{Host: "https://x:1", ExecProvider: &ExecConfig{Command: "x", APIVersion: "client.authentication.k8s.io/v1alpha1"}})
	require.ErrorContains(t, err, "not supported")
	_, err = NewClient(&Config{Host: "https://x:1", ExecProvider: &ExecConfig{APIVersion: execV1}})
	require.ErrorContains(t, err, "Command is empty")
}

func TestParseExecCredential(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, out, want string
	}{
		{"not json", `tok`, "invalid JSON"},
		{"wrong kind", `{"kind":"Secret","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}`, "kind"},
		{"no status", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"}`, "no status"},
		{"empty status", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}`, "neither"},
		{"cert without key", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}}`, "only one"},
		{"expired", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"2025-01-01T00:00:00Z"}}`, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseExecCredential([]byte(tt.out), execV1, now)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
