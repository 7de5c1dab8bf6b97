package reliability

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// TestRedirectDropsCredentials redirects requests to another host (another
// port of the same address, and another name of it): no credential
// follows, whatever its kind and the redirect's status; since issue #17
// (finding 12) the redirect itself is refused.
func TestRedirectDropsCredentials(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	redirected := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		redirected++
		for _, h := range []string{"Authorization", "Impersonate-User"} {
			if v := r.Header.Get(h); v != "" {
				leaked = append(leaked, h+": "+v)
			}
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(other.Close)
	targets := []string{other.URL, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)}
	var target string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			t.Errorf("the origin got no credentials for %s", r.URL)
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		code := http.StatusFound
		if strings.HasSuffix(r.URL.Path, "/307") {
			code = http.StatusTemporaryRedirect
		}
		http.Redirect(w, r, target+"/elsewhere", code)
	}))
	t.Cleanup(origin.Close)

	dir := t.TempDir()
	plugin := filepath.Join(dir, "plugin")
	require.NoError(t, os.WriteFile(plugin, []byte("#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"apiVersion\":"+
		"\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\""+secretExecTok+"\"}}'\n"), 0o700))
	configs := map[string]*rest.Config{
		"token":      {BearerToken: secretToken},
		"basic auth": {Username: "user", Password: secretPassword},
		"exec":       {ExecProvider: &rest.ExecConfig{Command: plugin, APIVersion: "client.authentication.k8s.io/v1"}},
		"token file": {BearerTokenFile: writeKubeconfig(t, dir, "token", secretToken)},
	}
	for name, cfg := range configs {
		cfg.Host, cfg.WarningHandler = origin.URL, rest.NoWarnings{}
		cfg.Impersonate.UserName = "someone"
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err)
		for _, target = range targets {
			for _, path := range []string{"/api/302", "/api/307"} {
				for _, req := range []*rest.Request{rc.Get(), rc.Post().Body([]byte(`{}`))} {
					res := req.AbsPath(path).Do(context.Background())
					var re *rest.RedirectError
					assert.ErrorAs(t, res.Error(), &re, "%s %s → %s", name, path, target)
				}
			}
		}
		rc.CloseIdleConnections()
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, redirected, "no redirect to another host is followed (issue #17, finding 12)")
	assert.Empty(t, leaked, "credentials forwarded to another host")
}

// TestTLSVerified checks that the server's certificate is verified unless
// the configuration explicitly says otherwise.
func TestTLSVerified(t *testing.T) {
	srv := fixture.NewServer(fixture.Synthetic(1, 1), fixture.WithTLS())
	t.Cleanup(srv.Close)
	ca := srv.Config().TLS.CAData
	dir := t.TempDir()
	kubeconfig := func(cluster string) *rest.Config {
		path := writeKubeconfig(t, dir, "config", "apiVersion: v1\nkind: Config\ncurrent-context: c\n"+
			"contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {token: t}}]\n"+
			"clusters: [{name: k, cluster: {server: '"+srv.URL+"'"+cluster+"}}]\n")
		cfg, err := rest.LoadKubeconfig(path, "")
		require.NoError(t, err)
		return cfg
	}
	tests := []struct {
		name string
		cfg  *rest.Config
		ok   bool
	}{
		{"no CA", &rest.Config{Host: srv.URL}, false},
		{"the server's CA", &rest.Config{Host: srv.URL, TLS: rest.TLSConfig{CAData: ca}}, true},
		{"the server's CA, another name", &rest.Config{Host: srv.URL, TLS: rest.TLSConfig{CAData: ca, ServerName: "other.example"}}, false},
		{"another CA", &rest.Config{Host: srv.URL, TLS: rest.TLSConfig{CAData: newClientPair(t).cert}}, false},
		{"Insecure", &rest.Config{Host: srv.URL, TLS: rest.TLSConfig{Insecure: true}}, true},
		{"kubeconfig without a CA", kubeconfig(""), false},
		{"kubeconfig insecure-skip-tls-verify: false", kubeconfig(", insecure-skip-tls-verify: false"), false},
		{"kubeconfig insecure-skip-tls-verify: true", kubeconfig(", insecure-skip-tls-verify: true"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.WarningHandler = rest.NoWarnings{}
			rc, err := rest.NewClient(tt.cfg)
			require.NoError(t, err)
			t.Cleanup(rc.CloseIdleConnections)
			err = rc.Get().AbsPath("/version").Do(context.Background()).Error()
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var re *rest.RequestError
			assert.ErrorAs(t, err, &re)
			assert.Contains(t, err.Error(), "certificate")
		})
	}
}
