package rest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"golang.org/x/sync/singleflight"
)

// ExecConfig runs a client.authentication.k8s.io credential plugin (a
// kubeconfig user's exec entry) for a bearer token or a client certificate.
type ExecConfig struct {
	// Command is the program to run; a name without a path separator is
	// looked up in $PATH.
	Command string
	Args    []string
	// Env is added to the plugin's environment, which is otherwise ours.
	// Values are redacted when a Config is printed.
	Env []ExecEnvVar
	// APIVersion is client.authentication.k8s.io/v1 or .../v1beta1.
	APIVersion string
	// InstallHint is shown when Command cannot be found.
	InstallHint string
	// ProvideClusterInfo passes the cluster (server, CA, ...) to the plugin
	// in KUBERNETES_EXEC_INFO.
	ProvideClusterInfo bool
	// ClusterExtension is the kubeconfig cluster's
	// "client.authentication.k8s.io/exec" extension, passed as
	// spec.cluster.config when ProvideClusterInfo is set.
	ClusterExtension json.RawMessage
}

// ExecEnvVar is one environment variable for an exec plugin.
type ExecEnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Bounds of one plugin run: a plugin that hangs, or talks without end, must
// not hang every request of the client or exhaust its memory.
const (
	// execTimeout bounds the run; then the plugin's process group is killed.
	execTimeout = 2 * time.Minute
	// execWaitDelay bounds the wait for the plugin's output once it has
	// exited: a child it left behind may hold stdout open for ever.
	execWaitDelay = time.Second
	// maxExecOutput bounds stdout; an ExecCredential is a few KiB.
	maxExecOutput = 1 << 20
	// maxExecStderr is how much stderr is kept for errors.
	maxExecStderr = 1 << 10
)

// execAuth runs the plugin and caches its credential until the credential's
// expirationTimestamp, or until the server rejects it with a 401. Concurrent
// callers share one run. A nil *execAuth means no plugin.
type execAuth struct {
	cfg     ExecConfig
	info    []byte // KUBERNETES_EXEC_INFO
	now     func() time.Time
	timeout time.Duration // execTimeout; tests shorten it
	runs    singleflight.Group

	mu        sync.Mutex      // guards cred and transport
	cred      *execCredential // nil: none fetched, or invalidated
	transport *http.Transport // connections to drop when the certificate changes
}

// execCredential is what one plugin run returned.
type execCredential struct {
	token  string
	cert   *tls.Certificate // nil: none
	expiry time.Time        // zero: does not expire
}

func newExecAuth(ec *ExecConfig, cfg *Config, l loadedTLS) (*execAuth, error) {
	if ec == nil {
		return nil, nil
	}
	if ec.Command == "" {
		return nil, fmt.Errorf("rest: ExecProvider.Command is empty")
	}
	if ec.APIVersion != execV1 && ec.APIVersion != execV1beta1 {
		return nil, fmt.Errorf("rest: ExecProvider.APIVersion %q is not supported (want %s or %s)", ec.APIVersion, execV1, execV1beta1)
	}
	info, err := execInfo(ec, cfg, l)
	if err != nil {
		return nil, err
	}
	cp := *ec // keep nothing of the caller's Config
	cp.Args, cp.Env = slices.Clone(ec.Args), slices.Clone(ec.Env)
	return &execAuth{cfg: cp, info: info, now: time.Now, timeout: execTimeout}, nil
}

// authorization returns "Bearer <token>" from the plugin's credential, or ""
// when it supplies a client certificate only.
func (e *execAuth) authorization(ctx context.Context) (string, error) {
	cred, err := e.credential(ctx)
	if err != nil || cred.token == "" {
		return "", err
	}
	return "Bearer " + cred.token, nil
}

// refresh drops the cached credential that the server rejected and runs the
// plugin again; a retry is worthwhile when the new credential differs.
func (e *execAuth) refresh(ctx context.Context, used string) bool {
	e.mu.Lock()
	old := e.cred
	if old != nil && bearer(old.token) == used {
		e.cred = nil
	}
	e.mu.Unlock()
	cred, err := e.credential(ctx)
	if err != nil {
		return false
	}
	if cred.token != "" || used != "" {
		return bearer(cred.token) != used
	}
	return cred != old // certificate only: a new run means a new certificate
}

func bearer(token string) string {
	if token == "" {
		return ""
	}
	return "Bearer " + token
}

// clientCertificate returns the tls.Config hook that presents the plugin's
// certificate; nil for a nil e.
func (e *execAuth) clientCertificate() func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	if e == nil {
		return nil
	}
	return func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		cred, err := e.credential(cri.Context())
		if err != nil {
			return nil, err
		}
		if cred.cert == nil {
			return &tls.Certificate{}, nil // present none: the token authenticates
		}
		return cred.cert, nil
	}
}

// setTransport records the transport whose connections carry the plugin's
// certificate, so that they are dropped when it changes. No-op for a nil e.
func (e *execAuth) setTransport(t *http.Transport) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.transport = t
	e.mu.Unlock()
}

// credential returns the cached credential, running the plugin when there
// is none or it expired. The run is shared and not cancelled by one
// caller's ctx; each caller stops waiting when its own ctx is done.
func (e *execAuth) credential(ctx context.Context) (*execCredential, error) {
	e.mu.Lock()
	cred := e.cred
	e.mu.Unlock()
	if cred != nil && (cred.expiry.IsZero() || e.now().Before(cred.expiry)) {
		return cred, nil
	}
	ch := e.runs.DoChan("", func() (any, error) {
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
		defer cancel()
		return e.fetch(runCtx)
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("rest: exec plugin %q: %w", e.cfg.Command, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*execCredential), nil
	}
}

// fetch runs the plugin, stores its credential and drops connections that
// were made with a previous certificate.
func (e *execAuth) fetch(ctx context.Context) (*execCredential, error) {
	cred, err := e.run(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	old, t := e.cred, e.transport
	e.cred = cred
	e.mu.Unlock()
	if t != nil && old != nil && old.cert != nil {
		t.CloseIdleConnections()
	}
	return cred, nil
}

// run executes the plugin once and parses its output. Errors never carry
// the plugin's stdout, which holds the credential.
//
// The plugin runs in a process group of its own, killed whole when ctx ends.
// Once it has exited, its output is waited for at most execWaitDelay: a
// child that still holds stdout does not hold the credential back, and the
// plugin's success stands.
func (e *execAuth) run(ctx context.Context) (*execCredential, error) {
	cmd := exec.CommandContext(ctx, e.cfg.Command, e.cfg.Args...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = execWaitDelay
	cmd.Env = os.Environ()
	for _, v := range e.cfg.Env {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	cmd.Env = append(cmd.Env, "KUBERNETES_EXEC_INFO="+string(e.info))
	stdout := &cappedBuffer{limit: maxExecOutput, failPast: true}
	stderr := &cappedBuffer{limit: maxExecStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case stdout.over:
		return nil, &TooLargeError{What: fmt.Sprintf("exec plugin %q output", e.cfg.Command), Limit: maxExecOutput}
	case ctx.Err() != nil:
		return nil, e.runError(fmt.Errorf("did not finish in %s: %w", e.timeout, ctx.Err()), stderr.Bytes())
	case err != nil && !errors.Is(err, exec.ErrWaitDelay):
		return nil, e.runError(err, stderr.Bytes())
	}
	return parseExecCredential(stdout.Bytes(), e.cfg.APIVersion, e.now())
}

func (e *execAuth) runError(err error, stderr []byte) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		msg := fmt.Sprintf("rest: exec plugin %q not found", e.cfg.Command)
		if e.cfg.InstallHint != "" {
			msg += "\n\n" + e.cfg.InstallHint
		}
		return errors.New(msg)
	}
	if ex := bodyExcerpt(stderr); ex != "" {
		return fmt.Errorf("rest: exec plugin %q: %w; stderr: %s", e.cfg.Command, err, ex)
	}
	return fmt.Errorf("rest: exec plugin %q: %w", e.cfg.Command, err)
}

// parseExecCredential reads an ExecCredential. Error messages describe what
// is wrong without quoting the document.
func parseExecCredential(out []byte, apiVersion string, now time.Time) (*execCredential, error) {
	var ec execCredentialWire
	if err := json.Unmarshal(out, &ec); err != nil {
		return nil, fmt.Errorf("rest: exec plugin output is not an ExecCredential (%d bytes of invalid JSON)", len(out))
	}
	switch {
	case ec.Kind != "ExecCredential":
		return nil, fmt.Errorf("rest: exec plugin output has kind %q, want ExecCredential", ec.Kind)
	case ec.APIVersion != apiVersion:
		return nil, fmt.Errorf("rest: exec plugin output has apiVersion %q, want %q", ec.APIVersion, apiVersion)
	case ec.Status == nil:
		return nil, fmt.Errorf("rest: exec plugin output has no status")
	}
	st := ec.Status
	cred := &execCredential{token: st.Token}
	if st.ExpirationTimestamp != nil {
		cred.expiry = st.ExpirationTimestamp.Time
	}
	if (st.ClientCertificateData == "") != (st.ClientKeyData == "") {
		return nil, fmt.Errorf("rest: exec plugin output has only one of clientCertificateData and clientKeyData")
	}
	if st.ClientCertificateData != "" {
		cert, err := tls.X509KeyPair([]byte(st.ClientCertificateData), []byte(st.ClientKeyData))
		if err != nil {
			return nil, fmt.Errorf("rest: exec plugin client certificate: %w", err)
		}
		cred.cert = &cert
	}
	if cred.token == "" && cred.cert == nil {
		return nil, fmt.Errorf("rest: exec plugin output has neither a token nor a client certificate")
	}
	if !cred.expiry.IsZero() && !now.Before(cred.expiry) {
		return nil, fmt.Errorf("rest: exec plugin returned a credential that expired at %s", cred.expiry.Format(time.RFC3339))
	}
	return cred, nil
}

const (
	execV1      = "client.authentication.k8s.io/v1"
	execV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// execCredentialWire is the ExecCredential document, v1 and v1beta1 alike.
type execCredentialWire struct {
	Kind       string          `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	Spec       execSpecWire    `json:"spec"`
	Status     *execStatusWire `json:"status,omitempty"`
}

type execSpecWire struct {
	Interactive bool             `json:"interactive"`
	Cluster     *execClusterWire `json:"cluster,omitempty"`
}

type execClusterWire struct {
	Server                   string          `json:"server"`
	TLSServerName            string          `json:"tls-server-name,omitempty"`
	InsecureSkipTLSVerify    bool            `json:"insecure-skip-tls-verify,omitempty"`
	CertificateAuthorityData []byte          `json:"certificate-authority-data,omitempty"`
	ProxyURL                 string          `json:"proxy-url,omitempty"`
	Config                   json.RawMessage `json:"config,omitempty"`
}

type execStatusWire struct {
	Token                 string       `json:"token,omitempty"`
	ClientCertificateData string       `json:"clientCertificateData,omitempty"`
	ClientKeyData         string       `json:"clientKeyData,omitempty"`
	ExpirationTimestamp   *metav1.Time `json:"expirationTimestamp,omitempty"`
}

// execInfo builds KUBERNETES_EXEC_INFO: the ExecCredential request, with the
// cluster when the plugin asked for it. Plugins never read stdin: kdyn is a
// library and may run with no terminal.
func execInfo(ec *ExecConfig, cfg *Config, l loadedTLS) ([]byte, error) {
	req := execCredentialWire{Kind: "ExecCredential", APIVersion: ec.APIVersion}
	if ec.ProvideClusterInfo {
		req.Spec.Cluster = &execClusterWire{
			Server: cfg.Host, TLSServerName: l.serverName, InsecureSkipTLSVerify: l.insecure,
			CertificateAuthorityData: l.ca, ProxyURL: cfg.ProxyURL, Config: ec.ClusterExtension,
		}
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("rest: exec plugin request: %w", err)
	}
	return b, nil
}
