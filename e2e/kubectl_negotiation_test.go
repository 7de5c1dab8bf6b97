package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
)

// exchange is one request kubectl made and how it was answered.
type exchange struct {
	Method, Path, Accept string
	Status               int
	ContentType          string
}

// recordingProxy forwards kubectl's requests to a server, with the server's
// credentials, and records the exchanges under one namespace.
type recordingProxy struct {
	ns string

	mu   sync.Mutex // guards seen
	seen []exchange
}

func (p *recordingProxy) start(t *testing.T, target string, token string, transport http.RoundTripper) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = transport
	rp.FlushInterval = -1 // watches stream
	rp.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if strings.Contains(req.URL.Path, "/namespaces/"+p.ns+"/") {
			p.mu.Lock()
			p.seen = append(p.seen, exchange{req.Method, req.URL.Path, req.Header.Get("Accept"), resp.StatusCode, resp.Header.Get("Content-Type")})
			p.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (p *recordingProxy) take() []exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = nil
	return out
}

// runKubectl runs kubectl against server (a proxy) in namespace ns, with a
// HOME and cache of its own.
func runKubectl(t *testing.T, server, ns string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: %q}}]
current-context: c
`, server, ns), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "KUBECACHEDIR="+filepath.Join(dir, "cache"), "KUBECONFIG="+kubeconfig)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kubectl %s: %s", strings.Join(args, " "), stderr.String())
	return string(out)
}

// TestKubectlNegotiation runs the same kubectl commands against
// kube-apiserver and the fixture server, each behind a recording proxy:
// kubectl asks for protobuf for built-in kinds (its typed clients) and
// Tables for get; every request under the test's namespace must be
// answered with the same status and Content-Type, and each command print
// the same.
func TestKubectlNegotiation(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatal("kubectl is not on the PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-kubectl")
	cluster, err := fixture.Load(kdynRecording)
	require.NoError(t, err)
	fs := fixture.NewServer(cluster)
	t.Cleanup(fs.Close)
	fake := httpTarget{url: fs.URL, client: &http.Client{}}
	a, err := fake.do(ctx, http.MethodPost, "/api/v1/namespaces", "application/json", "application/json",
		[]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, a.Status, a)

	client, err := serverHTTPClient()
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	realProxy, fakeProxy := &recordingProxy{ns: ns}, &recordingProxy{ns: ns}
	realURL := realProxy.start(t, srv.URL, srv.AdminToken, client.Transport)
	fakeURL := fakeProxy.start(t, fs.URL, "", http.DefaultTransport)

	for _, cmd := range []struct {
		args       []string
		sameOutput bool
		uses       string // a Content-Type the real server must have answered with
	}{
		{[]string{"create", "configmap", "kc", "--from-literal=k=v"}, true, "application/vnd.kubernetes.protobuf"},
		{[]string{"create", "secret", "generic", "ks", "--from-literal=a=b"}, true, "application/vnd.kubernetes.protobuf"},
		{[]string{"create", "deployment", "web", "--image=registry.k8s.io/pause:3.10"}, true, "application/vnd.kubernetes.protobuf"},
		{[]string{"get", "configmap", "kc", "-o", "jsonpath={.data.k}"}, true, ""},
		{[]string{"get", "configmaps,deployments", "-o", "name"}, true, ""},
		{[]string{"label", "configmap", "kc", "x=y"}, true, ""},
		{[]string{"scale", "deployment", "web", "--replicas=2"}, true, ""},
		{[]string{"get", "widgets"}, false, ""},
		{[]string{"delete", "configmap", "kc"}, true, ""},
		{[]string{"delete", "secret", "ks"}, true, ""},
	} {
		name := strings.Join(cmd.args, " ")
		wantOut := runKubectl(t, realURL, ns, cmd.args...)
		gotOut := runKubectl(t, fakeURL, ns, cmd.args...)
		if cmd.sameOutput {
			assert.Equal(t, wantOut, gotOut, name)
		}
		want, got := realProxy.take(), fakeProxy.take()
		t.Logf("kubectl %s:\n%s", name, exchanges(want))
		assert.Equal(t, want, got, "kubectl %s", name)
		if cmd.uses != "" {
			assert.True(t, usedContentType(want, cmd.uses), "kubectl %s got no %s answer", name, cmd.uses)
		}
	}
}

func usedContentType(xs []exchange, ct string) bool {
	for _, x := range xs {
		if x.ContentType == ct {
			return true
		}
	}
	return false
}

func exchanges(xs []exchange) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "  %s %s Accept %q: %d %q\n", x.Method, x.Path, x.Accept, x.Status, x.ContentType)
	}
	return b.String()
}
