//go:build unix

package rest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noHang runs f, failing the test if it has not returned after 10 s; then
// it opens fifo for writing and closes it, which ends a read blocked on it,
// so that no goroutine is left behind.
func noHang(t *testing.T, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Errorf("still blocked after 10 s on the named pipe %s", fifo)
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_ = w.Close()
		}
		return <-done
	}
}

func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	return p
}

// TestCredentialFilesMustBeRegular: a named pipe, a device or a directory
// where a token, certificate or key file belongs is refused at once with an
// error naming the field, instead of hanging (a pipe), exhausting memory
// (/dev/zero) or failing later (a directory).
func TestCredentialFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "fifo")
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"token file is a pipe", Config{BearerTokenFile: fifo}, "BearerTokenFile: " + fifo + " is a named pipe"},
		{"token file is /dev/zero", Config{BearerTokenFile: "/dev/zero"}, "/dev/zero is a device"},
		{"token file is a directory", Config{BearerTokenFile: dir}, "is a directory"},
		{"CA file is a pipe", Config{TLS: TLSConfig{CAFile: fifo}}, "TLS.CAFile: " + fifo + " is a named pipe"},
		{"CA file is /dev/zero", Config{TLS: TLSConfig{CAFile: "/dev/zero"}}, "TLS.CAFile: /dev/zero is a device"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Host = "https://x:1"
			err := noHang(t, fifo, func() error { _, err := NewClient(&cfg); return err })
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestKubeconfigFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "fifo")
	for _, tt := range []struct{ field, user, cluster string }{
		{"tokenFile", "tokenFile: " + fifo, ""},
		{"tokenFile", "tokenFile: /dev/zero", ""},
		{"certificate-authority", "token: t", ", certificate-authority: " + fifo},
		{"certificate-authority", "token: t", ", certificate-authority: " + dir},
		{"client-certificate", "client-certificate: " + dir + ", client-key-data: " + b64("k"), ""},
		{"client-key", "client-certificate-data: " + b64("c") + ", client-key: " + dir, ""},
	} {
		t.Run(tt.field+" "+tt.user+tt.cluster, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config", []byte("current-context: x\n"+
				"clusters: [{name: c, cluster: {server: 'https://x'"+tt.cluster+"}}]\n"+
				"users: [{name: u, user: {"+tt.user+"}}]\n"+
				"contexts: [{name: x, context: {cluster: c, user: u}}]\n"))
			err := noHang(t, fifo, func() error { _, err := LoadKubeconfig(path, ""); return err })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "rest: kubeconfig "+path+": ")
			assert.Contains(t, err.Error(), "."+tt.field+": ")
			assert.Contains(t, err.Error(), "not a regular file")
		})
	}
}

// TestMissingContextAmongThousands: the error names the first 20 contexts
// and counts the rest, instead of listing 10,000.
func TestMissingContextAmongThousands(t *testing.T) {
	var b strings.Builder
	b.WriteString("clusters: [{name: c, cluster: {server: 'https://x'}}]\ncontexts:\n")
	for i := range 10_000 {
		fmt.Fprintf(&b, "- {name: context-%05d-%s, context: {cluster: c}}\n", i, strings.Repeat("n", 40))
	}
	path := writeFile(t, t.TempDir(), "config", []byte(b.String()))
	_, err := LoadKubeconfig(path, "missing")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 2<<10, "error of %d bytes", len(err.Error()))
	assert.Contains(t, err.Error(), `context "missing" not found; contexts: "context-00000-`)
	assert.Contains(t, err.Error(), `"context-00019-`)
	assert.NotContains(t, err.Error(), `"context-00020-`)
	assert.Contains(t, err.Error(), "and 9980 more (10000 in all)")
}

func TestCredentialFileTooLarge(t *testing.T) {
	big := writeFile(t, t.TempDir(), "token", []byte(strings.Repeat("t", maxTokenFile+1)))
	_, err := NewClient(&Config{Host: "https://x:1", BearerTokenFile: big})
	var tl *TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, "rest: BearerTokenFile: "+big+" is larger than the limit of 1 MiB", err.Error())
}
