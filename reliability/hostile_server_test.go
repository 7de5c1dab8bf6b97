package reliability

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// The hostile-server findings of issue #17: a server (or whatever answers
// in its place: a proxy, an aggregated API server) that redirects, sends
// without end or inflates. RELIABILITY.md, "Hostile servers and files",
// has the figures before and after each fix.

var secrets = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// dualPort serves TLS and plain HTTP on one port, as anything on the path
// to a server can: the first byte of a connection tells a TLS handshake
// from a plain request.
type dualPort struct {
	net.Listener
	plain chan net.Conn
}

func (d *dualPort) Accept() (net.Conn, error) {
	for {
		c, err := d.Listener.Accept()
		if err != nil {
			return nil, err
		}
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		first, err := br.Peek(1)
		_ = c.SetReadDeadline(time.Time{})
		if err != nil {
			_ = c.Close()
			continue
		}
		pc := &peekedConn{Conn: c, r: br}
		if first[0] == 0x16 { // a TLS handshake record
			return pc, nil
		}
		d.plain <- pc
	}
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// chanListener hands out the connections sent on its channel.
type chanListener struct {
	conns chan net.Conn
	addr  net.Addr
	once  sync.Once
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// TestHostileSchemeDowngrade (finding 1): an https server redirects to
// http on its own host and port. No credential of any kind, nor an
// Impersonate header, may travel in cleartext: the redirect is refused.
func TestHostileSchemeDowngrade(t *testing.T) {
	var mu sync.Mutex
	var cleartext []string // credential headers seen over plain HTTP
	plainRequests := 0
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		plainRequests++
		for _, h := range []string{"Authorization", "Impersonate-User"} {
			if v := r.Header.Get(h); v != "" {
				cleartext = append(cleartext, h+": "+v)
			}
		}
		_, _ = w.Write([]byte(`{}`))
	})
	secure := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusFound
		if r.Method != http.MethodGet {
			code = http.StatusTemporaryRedirect
		}
		http.Redirect(w, r, "http://"+r.Host+"/downgraded", code)
	})

	certs := httptest.NewUnstartedServer(nil) // only for its certificate
	certs.StartTLS()
	certs.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dp := &dualPort{Listener: ln, plain: make(chan net.Conn)}
	plainLn := &chanListener{conns: dp.plain, addr: ln.Addr(), done: make(chan struct{})}
	tlsSrv := &http.Server{Handler: secure, ReadHeaderTimeout: 5 * time.Second}
	plainSrv := &http.Server{Handler: plain, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = tlsSrv.Serve(tls.NewListener(dp, certs.TLS)) }()
	go func() { _ = plainSrv.Serve(plainLn) }()
	t.Cleanup(func() { _ = tlsSrv.Close(); _ = plainSrv.Close(); _ = plainLn.Close() })
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs.Certificate().Raw})

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
		cfg.Host, cfg.TLS.CAData, cfg.WarningHandler = "https://"+ln.Addr().String(), ca, rest.NoWarnings{}
		cfg.Impersonate.UserName = "someone"
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err)
		for _, req := range []*rest.Request{rc.Get(), rc.Post().Body([]byte(`{}`))} {
			err := req.AbsPath("/api/v1/namespaces").Do(context.Background()).Error()
			var re *rest.RedirectError
			assert.ErrorAs(t, err, &re, name)
		}
		rc.CloseIdleConnections()
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, cleartext, "credentials sent in cleartext")
	assert.Zero(t, plainRequests, "no request followed the downgrade")
}

// TestHostileWriteRedirect (finding 12): every write, and a read, answered
// with a 307 or 308 to another host. Before, a Secret create sent its
// stringData there and returned the other host's 201 as success.
func TestHostileWriteRedirect(t *testing.T) {
	var mu sync.Mutex
	var elsewhere []string // what reached the other host
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		b, _ = secret("stolen").MarshalJSON()
		_, _ = w.Write(b)
	}))
	t.Cleanup(other.Close)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusTemporaryRedirect
		if r.Method == http.MethodPut || r.Method == http.MethodPatch {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, other.URL+r.URL.Path, code)
	}))
	t.Cleanup(origin.Close)
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: origin.URL, BearerToken: secretToken, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	s := dyn.Resource(secrets).Namespace("default")
	ctx := context.Background()
	calls := map[string]func() error{
		"create": func() error { _, err := s.Create(ctx, secret("db"), metav1.CreateOptions{}); return err },
		"update": func() error { _, err := s.Update(ctx, secret("db"), metav1.UpdateOptions{}); return err },
		"patch": func() error {
			_, err := s.Patch(ctx, "db", types.MergePatchType, []byte(`{"stringData":{"password":"`+secretPassword+`"}}`), metav1.PatchOptions{})
			return err
		},
		"delete": func() error { return s.Delete(ctx, "db", metav1.DeleteOptions{}) },
		"get":    func() error { _, err := s.Get(ctx, "db", metav1.GetOptions{}); return err },
	}
	for name, call := range calls {
		var re *rest.RedirectError
		assert.ErrorAs(t, call(), &re, name)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, elsewhere, "requests that reached the other host")
}

func secret(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": name, "namespace": "default"},
		"stringData": map[string]any{"password": secretPassword},
	}}
}

// endlessServer answers every request with head and then chunk until the
// client goes away; closed reports, per request, that the client closed
// the connection. A gzip bomb is sent whole instead when bomb is set.
type endlessServer struct {
	*httptest.Server
	closed chan string
}

func newEndlessServer(t *testing.T, contentType, head string, chunk []byte) *endlessServer {
	t.Helper()
	s := &endlessServer{closed: make(chan string, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { s.closed <- r.URL.Path }()
		w.Header().Set("Content-Type", contentType)
		if _, err := io.WriteString(w, head); err != nil {
			return
		}
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// waitClosed waits until the server saw the client close path's
// connection ("": any path's): a limit ends the read and drops the
// connection, rather than draining an endless body.
func (s *endlessServer) waitClosed(t *testing.T, path string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case p := <-s.closed:
			if p == path || path == "" {
				return
			}
		case <-deadline:
			t.Errorf("the server still writes %s: the connection was not closed", path)
			return
		}
	}
}

// limited are the lowered limits the tests read within: the defaults would
// cost hundreds of megabytes per test (RELIABILITY.md has those figures).
var limited = rest.Limits{Object: 1 << 20, List: 4 << 20, Discovery: 2 << 20}

func tooLarge(t *testing.T, err error, limit int64, what string) {
	t.Helper()
	var tl *rest.TooLargeError
	if assert.ErrorAs(t, err, &tl, what) {
		assert.Equal(t, limit, tl.Limit, what)
	}
}

// TestHostileEndlessBodies (finding 3): endless bodies on Get, List and
// discovery, read by dynamic and discovery, end at their limit with a
// *rest.TooLargeError, and the connection is closed.
func TestHostileEndlessBodies(t *testing.T) {
	srv := newEndlessServer(t, "application/json", `{"kind":"PodList","items":[`, bytes.Repeat([]byte(`{"kind":"Pod"},`), 4096))
	cfg := &rest.Config{Host: srv.URL, Limits: limited, WarningHandler: rest.NoWarnings{}}
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	pods := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "pods"}).Namespace("default")
	ctx := context.Background()

	_, err = pods.Get(ctx, "p", metav1.GetOptions{})
	tooLarge(t, err, limited.Object, "get")
	srv.waitClosed(t, "/api/v1/namespaces/default/pods/p")

	_, err = pods.List(ctx, metav1.ListOptions{})
	tooLarge(t, err, limited.List, "list")
	srv.waitClosed(t, "/api/v1/namespaces/default/pods")

	disco, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	_, err = disco.Groups(ctx)
	tooLarge(t, err, limited.Discovery, "discovery")
	srv.waitClosed(t, "/api")
}

// TestHostileGzipBomb (finding 3): 64 KiB of gzip that inflates to 64 MiB.
// The transport inflates transparently; the limit counts inflated bytes.
func TestHostileGzipBomb(t *testing.T) {
	var bomb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = zw.Write(zeros)
	}
	require.NoError(t, zw.Close())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}))
	t.Cleanup(srv.Close)
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, Limits: limited, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	_, err = dyn.Resource(configMaps).Namespace("default").Get(context.Background(), "c", metav1.GetOptions{})
	tooLarge(t, err, limited.Object, "a gzip bomb")
}

// TestHostileEndlessWatchEvent (finding 3): a watch event that never ends,
// in rest's JSON decoder, dynamic's JSON decoder and dynamic's CBOR one,
// ends the watch at the event limit with a 413 ERROR event (not retried by
// a resuming watch) and closes the connection.
func TestHostileEndlessWatchEvent(t *testing.T) {
	jsonHead := `{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"ok"}}}` + "\n" +
		`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"`
	// A map of two entries whose "object" is a byte string announcing 1 TiB.
	cborHead := "\xa2\x64type\x65ADDED\x66object\x5b\x00\x00\x01\x00\x00\x00\x00\x00"
	for _, tt := range []struct {
		name        string
		contentType string
		head        string
		watch       func(cfg *rest.Config) (watch.Interface, error)
		wantFirst   bool // the well-formed event before the endless one
	}{
		{"rest", "application/json", jsonHead, func(cfg *rest.Config) (watch.Interface, error) {
			rc, err := rest.NewClient(cfg)
			require.NoError(t, err)
			return rc.Get().AbsPath("/api/v1/pods").Watch(context.Background())
		}, true},
		{"dynamic json", "application/json", jsonHead, func(cfg *rest.Config) (watch.Interface, error) {
			dyn, err := dynamic.NewForConfig(cfg)
			require.NoError(t, err)
			return dyn.Resource(configMaps).Watch(context.Background(), metav1.ListOptions{})
		}, true},
		{"dynamic cbor", "application/cbor-seq", cborHead, func(cfg *rest.Config) (watch.Interface, error) {
			rc, err := rest.NewClient(cfg)
			require.NoError(t, err)
			return dynamic.NewWithOptions(rc, dynamic.Options{CBOR: true}).Resource(configMaps).Watch(context.Background(), metav1.ListOptions{})
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEndlessServer(t, tt.contentType, tt.head, bytes.Repeat([]byte("y"), 64<<10))
			w, err := tt.watch(&rest.Config{Host: srv.URL, Limits: limited, WarningHandler: rest.NoWarnings{}})
			require.NoError(t, err)
			defer w.Stop()
			var events []watch.Event
			for e := range w.ResultChan() {
				events = append(events, e)
			}
			require.NotEmpty(t, events)
			if tt.wantFirst {
				assert.Equal(t, watch.Added, events[0].Type)
			}
			last := events[len(events)-1]
			require.Equal(t, watch.Error, last.Type)
			err = apierrors.FromObject(last.Object)
			assert.True(t, apierrors.IsRequestEntityTooLargeError(err), "%v", err)
			srv.waitClosed(t, "")
		})
	}
}
