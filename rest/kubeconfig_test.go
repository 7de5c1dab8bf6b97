package rest

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const kubeconfigA = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: shared
  cluster:
    server: https://a.example:6443
    certificate-authority: ca.crt
    tls-server-name: api.a.example
    proxy-url: http://proxy.a.example:3128
- name: only-a
  cluster:
    server: https://only-a.example
    insecure-skip-tls-verify: true
users:
- name: alice
  user:
    token: alice-token
    as: bob
    as-uid: "42"
    as-groups: [devs, ops]
    as-user-extra:
      scopes: [read]
- name: basic
  user:
    username: u
    password: p
contexts:
- name: dev
  context: {cluster: shared, user: alice, namespace: team-a}
- name: insecure
  context: {cluster: only-a, user: basic}
`

const kubeconfigB = `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: shared
  cluster:
    server: https://b.example:6443
- name: only-b
  cluster:
    server: https://only-b.example
users:
- name: alice
  user:
    token: other-token
- name: carol
  user:
    client-certificate: certs/carol.crt
    client-key: certs/carol.key
    tokenFile: carol.token
contexts:
- name: dev
  context: {cluster: only-b, user: carol}
- name: prod
  context: {cluster: only-b, user: carol}
- name: mixed
  context: {cluster: shared, user: alice}
`

// kubeconfigDirs writes A and B (with the files they reference) into two
// directories and returns the two file paths.
func kubeconfigDirs(t *testing.T) (string, string) {
	t.Helper()
	da, db := t.TempDir(), t.TempDir()
	writeFile(t, da, "ca.crt", []byte("ca"))
	require.NoError(t, os.Mkdir(filepath.Join(db, "certs"), 0o700))
	writeFile(t, db, "certs/carol.crt", []byte("crt"))
	writeFile(t, db, "certs/carol.key", []byte("key"))
	writeFile(t, db, "carol.token", []byte("tok"))
	return writeFile(t, da, "config", []byte(kubeconfigA)), writeFile(t, db, "config", []byte(kubeconfigB))
}

func TestLoadKubeconfigSingleFile(t *testing.T) {
	a, _ := kubeconfigDirs(t)
	cfg, err := LoadKubeconfig(a, "")
	require.NoError(t, err)
	assert.Equal(t, "https://a.example:6443", cfg.Host)
	assert.Equal(t, "team-a", cfg.Namespace)
	assert.Equal(t, filepath.Join(filepath.Dir(a), "ca.crt"), cfg.TLS.CAFile, "relative to the kubeconfig")
	assert.Equal(t, "api.a.example", cfg.TLS.ServerName)
	assert.Equal(t, "http://proxy.a.example:3128", cfg.ProxyURL)
	assert.Equal(t, "alice-token", cfg.BearerToken)
	assert.Equal(t, ImpersonationConfig{UserName: "bob", UID: "42", Groups: []string{"devs", "ops"},
		Extra: map[string][]string{"scopes": {"read"}}}, cfg.Impersonate)

	cfg, err = LoadKubeconfig(a, "insecure")
	require.NoError(t, err)
	assert.True(t, cfg.TLS.Insecure)
	assert.Equal(t, "u", cfg.Username)
	assert.Equal(t, "p", cfg.Password)
	assert.Empty(t, cfg.Namespace)
}

func TestLoadKubeconfigMerge(t *testing.T) {
	a, b := kubeconfigDirs(t)
	missing := filepath.Join(t.TempDir(), "absent")
	t.Setenv("KUBECONFIG", strings.Join([]string{a, "", missing, b, a}, string(filepath.ListSeparator)))

	cfg, err := LoadKubeconfig("", "")
	require.NoError(t, err)
	assert.Equal(t, "https://a.example:6443", cfg.Host, "current-context and context dev come from the first file")
	assert.Equal(t, "alice-token", cfg.BearerToken)

	cfg, err = LoadKubeconfig("", "prod")
	require.NoError(t, err, "a context only the second file has")
	assert.Equal(t, "https://only-b.example", cfg.Host)
	dirB := filepath.Dir(b)
	assert.Equal(t, filepath.Join(dirB, "certs/carol.crt"), cfg.TLS.CertFile)
	assert.Equal(t, filepath.Join(dirB, "certs/carol.key"), cfg.TLS.KeyFile)
	assert.Equal(t, filepath.Join(dirB, "carol.token"), cfg.BearerTokenFile)

	cfg, err = LoadKubeconfig("", "mixed")
	require.NoError(t, err)
	assert.Equal(t, "https://a.example:6443", cfg.Host, "the first file's cluster 'shared' wins")
	assert.Equal(t, "alice-token", cfg.BearerToken, "the first file's user 'alice' wins")

	t.Setenv("KUBECONFIG", strings.Join([]string{b, a}, string(filepath.ListSeparator)))
	cfg, err = LoadKubeconfig("", "")
	require.NoError(t, err)
	assert.Equal(t, "https://only-b.example", cfg.Host, "now B's current-context (prod) wins")
}

func TestLoadKubeconfigDefaultPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	_, err := LoadKubeconfig("", "")
	require.ErrorContains(t, err, filepath.Join(home, ".kube", "config"))

	require.NoError(t, os.Mkdir(filepath.Join(home, ".kube"), 0o700))
	writeFile(t, home, ".kube/config", []byte(strings.Replace(kubeconfigA, "certificate-authority: ca.crt", "", 1)))
	cfg, err := LoadKubeconfig("", "")
	require.NoError(t, err)
	assert.Equal(t, "https://a.example:6443", cfg.Host)
}

func TestLoadKubeconfigErrors(t *testing.T) {
	a, _ := kubeconfigDirs(t)
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" means use file a
		context string
		want    []string
	}{
		{"unknown context", "", "nope", []string{a, `context "nope" not found`, `"dev", "insecure"`}},
		{"malformed yaml", "clusters: [\n  - name: x\n bad", "", []string{"rest: kubeconfig ", "yaml"}},
		{"wrong type", "clusters:\n- name: c\n  cluster:\n    server: https://x\n    insecure-skip-tls-verify: [1]\n", "", []string{"insecure-skip-tls-verify"}},
		{"no current context", "contexts:\n- name: x\n  context: {cluster: c}\n", "", []string{"current-context is not set", `"x"`}},
		{"no contexts at all", "apiVersion: v1\n", "", []string{"(none)"}},
		{"missing cluster", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n", "", []string{`contexts["x"].cluster: cluster "c" not found`}},
		{"missing user", "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://x}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n", "", []string{`contexts["x"].user: user "u" not found`}},
		{"no server", "current-context: x\nclusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c}\n", "", []string{`clusters["c"].server: not set`}},
		{"bad server", "current-context: x\nclusters:\n- name: c\n  cluster: {server: 'ftp://x'}\ncontexts:\n- name: x\n  context: {cluster: c}\n", "", []string{`clusters["c"].server: "ftp://x": scheme must be http or https`}},
		{"bad proxy-url", "current-context: x\nclusters:\n- name: c\n  cluster: {server: 'https://x', proxy-url: 'http://a b:%zz'}\ncontexts:\n- name: x\n  context: {cluster: c}\n", "", []string{`clusters["c"].proxy-url: parse`}},
		{"unreadable CA", "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://x, certificate-authority: /nonexistent/ca.crt}\ncontexts:\n- name: x\n  context: {cluster: c}\n", "", []string{`clusters["c"].certificate-authority: open /nonexistent/ca.crt`}},
		{"unreadable client key", userConfig("client-certificate-data: " + b64("c") + "\n    client-key: missing.key"), "", []string{`users["u"].client-key: open `, "missing.key"}},
		{"bad base64", userConfig("client-key-data: '!!!'"), "", []string{`users["u"].client-key-data: invalid base64`}},
		{"auth-provider", userConfig("auth-provider: {name: gcp, config: {access-token: secret-ish}}"), "", []string{`users["u"].auth-provider: auth-provider "gcp" is not supported`}},
		{"exec without apiVersion", userConfig("exec: {command: x}"), "", []string{`users["u"].exec: apiVersion "" is not supported`}},
		{"exec without command", userConfig("exec: {apiVersion: client.authentication.k8s.io/v1}"), "", []string{`users["u"].exec: command is not set`}},
		{"missing token file", userConfig("tokenFile: /nonexistent/token"), "", []string{`users["u"].tokenFile: open /nonexistent/token`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := a
			if tt.content != "" {
				path = writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "-"), []byte(tt.content))
			}
			_, err := LoadKubeconfig(path, tt.context)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), path, "errors name the file")
			assert.NotContains(t, err.Error(), "secret-ish")
		})
	}
}

// userConfig is a kubeconfig whose user "u" has the given fields.
func userConfig(userFields string) string {
	return "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://x}\n" +
		"users:\n- name: u\n  user:\n    " + userFields + "\n" +
		"contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestLoadKubeconfigDataFieldsAndExec(t *testing.T) {
	content := `current-context: x
clusters:
- name: c
  cluster:
    server: https://x
    certificate-authority-data: ` + b64("CA") + `
    certificate-authority: /ignored/because/data/wins
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: kdyn}
users:
- name: u
  user:
    client-certificate-data: ` + b64("CRT") + `
    client-key-data: ` + b64("KEY") + `
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/plugin
      args: [token]
      env: [{name: A, value: b}]
      installHint: get it
      provideClusterInfo: true
contexts:
- name: x
  context: {cluster: c, user: u}
`
	path := writeFile(t, t.TempDir(), "config", []byte(content))
	cfg, err := LoadKubeconfig(path, "")
	require.NoError(t, err)
	assert.Equal(t, []byte("CA"), cfg.TLS.CAData)
	assert.Empty(t, cfg.TLS.CAFile)
	assert.Equal(t, []byte("CRT"), cfg.TLS.CertData)
	assert.Equal(t, []byte("KEY"), cfg.TLS.KeyData)
	require.NotNil(t, cfg.ExecProvider)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "bin/plugin"), cfg.ExecProvider.Command)
	assert.Equal(t, []string{"token"}, cfg.ExecProvider.Args)
	assert.Equal(t, []ExecEnvVar{{Name: "A", Value: "b"}}, cfg.ExecProvider.Env)
	assert.Equal(t, execV1beta1, cfg.ExecProvider.APIVersion)
	assert.Equal(t, "get it", cfg.ExecProvider.InstallHint)
	assert.True(t, cfg.ExecProvider.ProvideClusterInfo)
	assert.JSONEq(t, `{"audience":"kdyn"}`, string(cfg.ExecProvider.ClusterExtension))
}

func TestLoadKubeconfigNoneOfKUBECONFIGExists(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent/a"+string(filepath.ListSeparator)+"/nonexistent/b")
	_, err := LoadKubeconfig("", "")
	require.ErrorContains(t, err, "none of the files in $KUBECONFIG exists: /nonexistent/a")
}
