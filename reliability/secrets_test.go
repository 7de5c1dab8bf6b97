package reliability

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// The secrets every scenario below carries; none may show in any output.
const (
	secretToken    = "tok-SECRET-7f3a9c0d"
	secretPassword = "pw-SECRET-1b2c3d4e"
	secretEnv      = "env-SECRET-9d8e7f6a"
	secretExecTok  = "exec-SECRET-5a6b7c8d"
)

// clientPair is a client certificate and its key, PEM encoded.
type clientPair struct{ cert, key []byte }

func newClientPair(t *testing.T) clientPair {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reliability"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kd, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return clientPair{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}),
	}
}

// secrets returns the strings that must never be seen: the fixed secrets,
// the key's base64 body and its base64-encoded PEM (as kubeconfigs hold it).
func (p clientPair) secrets() []string {
	block, _ := pem.Decode(p.key)
	body := base64.StdEncoding.EncodeToString(block.Bytes)
	return []string{secretToken, secretPassword, secretEnv, secretExecTok,
		body[:32], body[len(body)-32:], base64.StdEncoding.EncodeToString(p.key)[:32],
		// The basic auth header value carries the password encoded.
		base64.StdEncoding.EncodeToString([]byte("user:" + secretPassword))}
}

// outputs collects everything a user could see: error strings, formatted
// values, log output and panic values.
type outputs struct {
	t    *testing.T
	seen []string
}

func (o *outputs) add(what string, v any) {
	o.seen = append(o.seen, what+": "+fmt.Sprint(v))
}

func (o *outputs) err(what string, err error) {
	if assert.Error(o.t, err, what) {
		o.seen = append(o.seen, fmt.Sprintf("%s: %v | %+v | %#v", what, err, err, err))
	}
}

// protect runs f and records its panic, if any, as an output.
func (o *outputs) protect(what string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			o.t.Errorf("%s panicked", what)
			o.add(what+" panic", p)
		}
	}()
	f()
}

// captureLogs sends slog's default logger and the log package to buffers
// until the test ends.
func captureLogs(t *testing.T) (*bytes.Buffer, *bytes.Buffer) {
	var slogBuf, logBuf bytes.Buffer
	prevSlog, prevLog, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(slog.NewTextHandler(&slogBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(&logBuf)
	t.Cleanup(func() {
		slog.SetDefault(prevSlog)
		log.SetOutput(prevLog)
		log.SetFlags(prevFlags)
	})
	return &slogBuf, &logBuf
}

// TestSecretsNeverShow drives rest and dynamic through failure paths with
// every kind of credential configured, and scans errors, formatted Configs,
// log output and panics for the secrets.
func TestSecretsNeverShow(t *testing.T) {
	slogBuf, logBuf := captureLogs(t)
	pair := newClientPair(t)
	o := &outputs{t: t}
	dir := t.TempDir()

	o.protect("formatting", func() { formatConfigs(o, pair) })
	o.protect("kubeconfigs", func() { badKubeconfigs(t, o, dir, pair) })
	o.protect("tls", func() { failedTLS(t, o, pair) })
	o.protect("401", func() { unauthorized(t, o) })
	o.protect("exec", func() { failedExec(t, o, dir) })
	o.protect("requests", func() { failedRequests(t, o) })

	o.add("slog", slogBuf.String())
	o.add("log", logBuf.String())
	for _, secret := range pair.secrets() {
		for _, s := range o.seen {
			assert.NotContains(t, s, secret)
		}
	}
	t.Logf("%d outputs scanned for %d secrets", len(o.seen), len(pair.secrets()))
}

// fullConfig is a Config with every credential field set.
func fullConfig(host string, pair clientPair) *rest.Config {
	return &rest.Config{
		Host: host, BearerToken: secretToken, Username: "user", Password: secretPassword,
		TLS: rest.TLSConfig{CertData: pair.cert, KeyData: pair.key},
		ExecProvider: &rest.ExecConfig{Command: "/nonexistent/plugin", APIVersion: "client.authentication.k8s.io/v1",
			Env: []rest.ExecEnvVar{{Name: "PLUGIN_SECRET", Value: secretEnv}}},
		WarningHandler: rest.NoWarnings{},
	}
}

func formatConfigs(o *outputs, pair clientPair) {
	cfg := fullConfig("https://127.0.0.1:1", pair)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		o.add("Config "+verb, fmt.Sprintf(verb, *cfg))
		o.add("*Config "+verb, fmt.Sprintf(verb, cfg))
		o.add("TLS "+verb, fmt.Sprintf(verb, cfg.TLS))
		o.add("ExecConfig "+verb, fmt.Sprintf(verb, *cfg.ExecProvider))
		o.add("[]*Config "+verb, fmt.Sprintf(verb, []*rest.Config{cfg}))
		o.add("struct with a Config "+verb, fmt.Sprintf(verb, struct{ C rest.Config }{*cfg}))
	}
	o.add("String", cfg.String())
	o.add("GoString", cfg.GoString())
	slog.Info("a Config", "config", cfg, "value", *cfg)
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("a Config", "config", cfg)
	o.add("slog JSON", js.String())
	log.Printf("a Config: %v %+v", cfg, cfg)
}

func writeKubeconfig(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func badKubeconfigs(t *testing.T, o *outputs, dir string, pair clientPair) {
	key := base64.StdEncoding.EncodeToString(pair.key)
	cert := base64.StdEncoding.EncodeToString(pair.cert)
	head := "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n" +
		"clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
	bodies := map[string]string{
		"bad CA":           strings.Replace(head, "server: 'https://127.0.0.1:1'", "server: 'https://127.0.0.1:1', certificate-authority-data: '@@@'", 1) + "users: [{name: u, user: {token: " + secretToken + "}}]\n",
		"key without cert": head + "users: [{name: u, user: {client-key-data: " + key + ", token: " + secretToken + "}}]\n",
		"garbage cert":     head + "users: [{name: u, user: {client-certificate-data: " + base64.StdEncoding.EncodeToString([]byte("garbage")) + ", client-key-data: " + key + "}}]\n",
		"key of a wrong cert": head + "users: [{name: u, user: {client-certificate-data: " + base64.StdEncoding.EncodeToString(newClientPair(t).cert) +
			", client-key-data: " + key + "}}]\n",
		"bad key base64":     head + "users: [{name: u, user: {client-certificate-data: " + cert + ", client-key-data: '" + key + "!!'}}]\n",
		"unterminated":       head + "users: [{name: u, user: {token: \"" + secretToken + "\n",
		"token of a map":     head + "users: [{name: u, user: {token: {t: " + secretToken + "}}}]\n",
		"password list":      head + "users: [{name: u, user: {username: user, password: [" + secretPassword + "]}}]\n",
		"tab in the token":   head + "users:\n- name: u\n  user:\n\ttoken: " + secretToken + "\n",
		"exec bad version":   head + "users: [{name: u, user: {exec: {command: x, apiVersion: v0, env: [{name: S, value: " + secretEnv + "}]}}}]\n",
		"missing token file": head + "users: [{name: u, user: {tokenFile: /nonexistent/token, password: " + secretPassword + "}}]\n",
		"auth provider":      head + "users: [{name: u, user: {auth-provider: {name: gcp, config: {access-token: " + secretToken + "}}}]\n",
	}
	for name, body := range bodies {
		cfg, err := rest.LoadKubeconfig(writeKubeconfig(t, dir, "config", body), "")
		if err == nil {
			// Some only fail when the client is built.
			_, err = rest.NewClient(cfg)
			o.add(name+" Config", cfg)
		}
		o.err("kubeconfig "+name, err)
	}
}

func failedTLS(t *testing.T, o *outputs, pair clientPair) {
	srv := fixture.NewServer(fixture.Synthetic(1, 1), fixture.WithTLS())
	defer srv.Close()
	for name, cfg := range map[string]*rest.Config{
		"unknown CA": {Host: srv.URL, BearerToken: secretToken},
		"client certificate, unknown CA": {Host: srv.URL, Username: "user", Password: secretPassword,
			TLS: rest.TLSConfig{CertData: pair.cert, KeyData: pair.key}},
		"wrong server name": {Host: srv.URL, BearerToken: secretToken,
			TLS: rest.TLSConfig{CAData: srv.Config().TLS.CAData, ServerName: "wrong.example"}},
	} {
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err, name)
		o.err("TLS "+name, rc.Get().AbsPath("/version").Do(context.Background()).Error())
		_, err = dynamic.New(rc).Resource(configMaps).Namespace("default").List(context.Background(), metav1.ListOptions{})
		o.err("TLS dynamic "+name, err)
		rc.CloseIdleConnections()
	}
}

func unauthorized(t *testing.T, o *outputs) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Warning", `299 - "credentials rejected"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`)
	}))
	defer srv.Close()
	for name, cfg := range map[string]*rest.Config{
		"token":      {Host: srv.URL, BearerToken: secretToken},
		"basic auth": {Host: srv.URL, Username: "user", Password: secretPassword},
	} {
		cfg.WarningHandler = rest.WarningLogger{}
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err)
		o.err("401 "+name, rc.Get().AbsPath("/api").Do(context.Background()).Error())
		_, err = dynamic.New(rc).Resource(configMaps).Namespace("default").Get(context.Background(), "x", metav1.GetOptions{})
		o.err("401 dynamic "+name, err)
		w, err := dynamic.New(rc).Resource(configMaps).Watch(context.Background(), metav1.ListOptions{})
		if err == nil {
			w.Stop()
		}
		o.err("401 watch "+name, err)
		rc.CloseIdleConnections()
	}
}

// failedExec runs plugins that fail in each way a plugin can, each handed
// the secret in its environment and printing a credential or part of one.
func failedExec(t *testing.T, o *outputs, dir string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()
	cred := func(apiVersion, status string) string {
		return `{"kind":"ExecCredential","apiVersion":"` + apiVersion + `","status":` + status + `}`
	}
	v1 := "client.authentication.k8s.io/v1"
	plugins := map[string]string{
		"exit 1":            "echo 'plugin failed' >&2; exit 1",
		"invalid JSON":      "echo '{\"status\":{\"token\":\"" + secretExecTok + "\"'",
		"wrong kind":        "echo '" + strings.Replace(cred(v1, `{"token":"`+secretExecTok+`"}`), "ExecCredential", "Other", 1) + "'",
		"wrong apiVersion":  "echo '" + cred("v0", `{"token":"`+secretExecTok+`"}`) + "'",
		"expired":           "echo '" + cred(v1, `{"token":"`+secretExecTok+`","expirationTimestamp":"2001-01-01T00:00:00Z"}`) + "'",
		"token rejected":    "echo '" + cred(v1, `{"token":"`+secretExecTok+`"}`) + "'",
		"stdout then exit":  "echo '" + cred(v1, `{"token":"`+secretExecTok+`"}`) + "'; exit 3",
		"cert without key":  "echo '" + cred(v1, `{"clientCertificateData":"x"}`) + "'",
		"unknown fields":    "echo '" + cred(v1, `{"token":1,"secret":"`+secretExecTok+`"}`) + "'",
		"long stdout":       "for i in 1 2 3 4 5 6 7 8; do echo '" + secretExecTok + "'; done; exit 1",
		"slow then cancels": "sleep 1; exit 1",
	}
	for name, script := range plugins {
		path := filepath.Join(dir, "plugin")
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o700))
		cfg := &rest.Config{Host: srv.URL, WarningHandler: rest.NoWarnings{}, ExecProvider: &rest.ExecConfig{
			Command: path, APIVersion: v1, Env: []rest.ExecEnvVar{{Name: "PLUGIN_SECRET", Value: secretEnv}},
		}}
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		o.err("exec "+name, rc.Get().AbsPath("/api").Do(ctx).Error())
		cancel()
		// A caller giving up does not stop the shared plugin run; waiting
		// on it again lets it finish before the next plugin is written.
		o.err("exec again "+name, rc.Get().AbsPath("/api").Do(context.Background()).Error())
		rc.CloseIdleConnections()
	}
}

func failedRequests(t *testing.T, o *outputs) {
	pair := newClientPair(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // a port nobody answers on
	cfg := fullConfig(closed.URL, pair)
	cfg.ExecProvider = nil
	cfg.TLS = rest.TLSConfig{}
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	defer rc.CloseIdleConnections()
	ctx := context.Background()
	o.err("refused", rc.Get().AbsPath("/api").Do(ctx).Error())
	_, err = rc.Get().AbsPath("/api").Stream(ctx)
	o.err("refused stream", err)
	_, err = rc.Get().AbsPath("/api").Watch(ctx)
	o.err("refused watch", err)
	_, err = dynamic.New(rc).Resource(configMaps).Namespace("default").Create(ctx, configMap("default", "x", nil), metav1.CreateOptions{})
	o.err("refused create", err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	o.err("cancelled", rc.Get().AbsPath("/api").Do(cancelled).Error())

	_, err = rest.NewClient(&rest.Config{Host: "ftp://127.0.0.1", BearerToken: secretToken, Password: secretPassword})
	o.err("bad scheme", err)
	rc, err = rest.NewClient(&rest.Config{Host: closed.URL, BearerTokenFile: "/nonexistent", BearerToken: secretToken})
	if err == nil {
		err = rc.Get().AbsPath("/api").Do(ctx).Error()
	}
	o.err("missing token file", err)
}
