package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigFormattingRedactsSecrets(t *testing.T) {
	cfg := Config{
		Host:        "https://example.com",
		BearerToken: "s3cr3t-token",
		Username:    "admin",
		Password:    "s3cr3t-password",
		TLS:         TLSConfig{KeyData: []byte("s3cr3t-key"), CAData: []byte("ca")},
		ExecProvider: &ExecConfig{Command: "plugin", APIVersion: execV1,
			Env: []ExecEnvVar{{Name: "API_KEY", Value: "s3cr3t-env"}}},
	}
	outputs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg),
		fmt.Sprintf("%v", &cfg), fmt.Sprintf("%+v", &cfg), fmt.Sprintf("%#v", &cfg),
		cfg.String(), cfg.GoString(),
		fmt.Sprintf("%+v", *cfg.ExecProvider), fmt.Sprintf("%#v", cfg.ExecProvider), cfg.ExecProvider.String(),
		fmt.Sprintf("%v", []*Config{&cfg}), fmt.Sprintf("%+v", cfg.TLS), fmt.Sprintf("%#v", &cfg.TLS), cfg.TLS.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{"s3cr3t", fmt.Sprint([]byte("s3cr3t-key"))} {
			assert.NotContains(t, out, secret)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "Host:https://example.com")
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "BearerToken:"+redacted)
	assert.Contains(t, fmt.Sprintf("%#v", cfg), `rest.Config{Host:"https://example.com"`)
	assert.Contains(t, fmt.Sprintf("%#v", cfg), `TLS:rest.TLSConfig{`)
	assert.Contains(t, fmt.Sprintf("%+v", *cfg.ExecProvider), "API_KEY")
	assert.Equal(t, "s3cr3t-token", cfg.BearerToken, "formatting does not change the Config")
	assert.Equal(t, "s3cr3t-env", cfg.ExecProvider.Env[0].Value)
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied", http.StatusUnauthorized)
	})
	path := writeFile(t, t.TempDir(), "token", []byte("s3cr3t-file-token"))
	for _, mutate := range []func(*Config){
		func(c *Config) { c.BearerToken = "s3cr3t-token" },
		func(c *Config) { c.BearerTokenFile = path },
		func(c *Config) { c.Username, c.Password = "u", "s3cr3t-password" },
	} {
		c := newTestClient(t, srv, mutate)
		err := c.Get().Do(context.Background()).Error()
		require.Error(t, err)
		assert.NotContains(t, fmt.Sprintf("%+v", err), "s3cr3t")
	}
	_, err := NewClient(&Config{Host: "https://x:1", TLS: TLSConfig{CertData: []byte("c"), KeyData: []byte("s3cr3t-key")}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t")
}

// TestLogValueRedactsSecrets logs a Config, its TLSConfig and its
// ExecConfig through slog's JSON and text handlers: no secret shows, and
// the fields that help a reader do.
func TestLogValueRedactsSecrets(t *testing.T) {
	cfg := Config{
		Host:        "https://example.com",
		BearerToken: "s3cr3t-token",
		Username:    "admin",
		Password:    "s3cr3t-password",
		ProxyURL:    "http://proxyuser:s3cr3t-proxy@proxy.example:3128",
		Impersonate: ImpersonationConfig{UserName: "jane"},
		TLS:         TLSConfig{KeyData: []byte("s3cr3t-key"), CAData: []byte("ca"), ServerName: "api"},
		ExecProvider: &ExecConfig{Command: "plugin", APIVersion: execV1,
			Env: []ExecEnvVar{{Name: "API_KEY", Value: "s3cr3t-env"}}},
		MaxRetries: 3,
	}
	secrets := []string{"s3cr3t", base64.StdEncoding.EncodeToString([]byte("s3cr3t-key"))}
	values := map[string]any{"cfg": cfg, "ptr": &cfg, "tls": cfg.TLS, "exec": cfg.ExecProvider, "execValue": *cfg.ExecProvider}

	var jsonOut bytes.Buffer
	jsonLog := slog.New(slog.NewJSONHandler(&jsonOut, nil))
	for k, v := range values {
		jsonLog.Info("config", k, v)
	}
	for _, line := range strings.Split(strings.TrimSpace(jsonOut.String()), "\n") {
		for _, secret := range secrets {
			assert.NotContains(t, line, secret)
		}
		assert.NotContains(t, line, "!ERROR", "the JSON handler could not encode the value")
	}
	var rec struct {
		Cfg map[string]any `json:"cfg"`
	}
	jsonLog.Info("config", "cfg", cfg)
	lines := strings.Split(strings.TrimSpace(jsonOut.String()), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &rec))
	assert.Equal(t, "https://example.com", rec.Cfg["host"])
	assert.Equal(t, redacted, rec.Cfg["bearerToken"])
	assert.Equal(t, redacted, rec.Cfg["password"])
	assert.Equal(t, "admin", rec.Cfg["username"])
	assert.Equal(t, "http://proxyuser:xxxxx@proxy.example:3128", rec.Cfg["proxyURL"])
	assert.Equal(t, map[string]any{"userName": "jane", "uid": "", "groups": nil, "extra": nil}, rec.Cfg["impersonate"])
	assert.Equal(t, map[string]any{"serverName": "api", "caData": "<2 bytes>", "keyData": redacted}, rec.Cfg["tls"])
	assert.Equal(t, map[string]any{"command": "plugin", "apiVersion": execV1, "env": map[string]any{"API_KEY": redacted}},
		rec.Cfg["exec"])
	assert.Equal(t, float64(3), rec.Cfg["maxRetries"])

	var textOut bytes.Buffer
	textLog := slog.New(slog.NewTextHandler(&textOut, nil))
	for k, v := range values {
		textLog.Info("config", k, v)
	}
	for _, secret := range secrets {
		assert.NotContains(t, textOut.String(), secret)
	}
	for _, want := range []string{
		"cfg.host=https://example.com", `cfg.bearerToken="` + redacted + `"`, "ptr.username=admin",
		`tls.keyData="` + redacted + `"`, `exec.env.API_KEY="` + redacted + `"`, "execValue.command=plugin",
	} {
		assert.Contains(t, textOut.String(), want)
	}
	assert.Equal(t, "s3cr3t-token", cfg.BearerToken, "logging does not change the Config")
	assert.NotContains(t, fmt.Sprintf("%+v", cfg), "s3cr3t-proxy", "fmt hides the proxy password too")
}

func TestRequestErrorsRedactTheHostsPassword(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newTestClient(t, srv, func(c *Config) {
		c.Host = strings.Replace(srv.URL, "http://", "http://admin:s3cret@", 1)
		c.OnRetry = func(info RetryInfo) { assert.NotContains(t, info.URL, "s3cret") }
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Get().AbsPath("/api").Do(ctx).Error()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.NotContains(t, re.URL, "s3cret")
}
