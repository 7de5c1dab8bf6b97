package rest

import (
	"context"
	"fmt"
	"net/http"
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
