package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	restclient "k8s.io/client-go/rest"
	apiservertesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

// Identities the server knows. AdminUser and CertUser are in system:masters;
// ViewerUser has no RBAC bindings, so everything but discovery is forbidden.
const (
	AdminUser  = "kdyn-admin"
	ViewerUser = "kdyn-viewer"
	CertUser   = "kdyn-cert-admin"
)

// Options configure Start. The zero value starts a server with default flags.
type Options struct {
	// Name labels the server in logs and file names. "" means "apiserver".
	Name string
	// FeatureGates is passed as --feature-gates. "" leaves the defaults.
	FeatureGates string
	// Flags are appended to the harness's kube-apiserver flags.
	Flags []string
}

// Server is a running etcd + kube-apiserver. Its fields are read-only.
type Server struct {
	// URL is the API server's base URL, https://127.0.0.1:<port>.
	URL string
	// CAData is the PEM bundle that verifies the serving certificate.
	CAData []byte
	// AdminToken authenticates as AdminUser; ViewerToken as ViewerUser.
	AdminToken  string
	ViewerToken string

	// TokenKubeconfig holds one context, "e2e-token", with the CA and the
	// admin token inline.
	TokenKubeconfig string
	// CertKubeconfig holds one context, "e2e-cert", whose CA, client
	// certificate and key are files named relative to the kubeconfig.
	CertKubeconfig string

	// LogFile receives the API server's and klog's output; EtcdLogFile etcd's.
	// Both outlive Stop, for post-mortems.
	LogFile     string
	EtcdLogFile string

	dir  string
	etcd *embed.Etcd
	api  apiservertesting.TestServer
	tb   *processTB
	log  *logFile
}

// Start runs etcd and kube-apiserver and waits until the server is healthy
// and the default namespace exists (3–5 s on a warm machine).
func Start(opts Options) (srv *Server, err error) {
	name := opts.Name
	if name == "" {
		name = "apiserver"
	}
	s := &Server{
		LogFile:     filepath.Join(os.TempDir(), "kdyn-e2e-"+name+".log"),
		EtcdLogFile: filepath.Join(os.TempDir(), "kdyn-e2e-"+name+"-etcd.log"),
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("harness: start %s (log: %s): %w", name, s.LogFile, err), s.Stop())
		}
	}()

	if s.dir, err = os.MkdirTemp("", "kdyn-e2e-"+name+"-"); err != nil {
		return nil, err
	}
	if s.log, err = createLog(s.LogFile); err != nil {
		return nil, err
	}
	if err := routeKlog(s.log); err != nil {
		return nil, err
	}
	s.tb = newProcessTB(name, s.log)

	var etcdURL string
	if s.etcd, etcdURL, err = startEtcd(s.dir, s.EtcdLogFile); err != nil {
		return nil, err
	}
	flags, err := s.prepareAuth()
	if err != nil {
		return nil, err
	}
	if opts.FeatureGates != "" {
		flags = append(flags, "--feature-gates="+opts.FeatureGates)
	}
	flags = append(flags, opts.Flags...)
	if err := s.startAPIServer(etcdURL, flags); err != nil {
		return nil, err
	}
	if err := s.writeKubeconfigs(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareAuth writes the token file and the client CA, and returns the flags
// that make the server use them.
func (s *Server) prepareAuth() ([]string, error) {
	s.AdminToken = randomToken()
	s.ViewerToken = randomToken()
	tokens := fmt.Sprintf("%s,%s,uid-admin,\"system:masters\"\n%s,%s,uid-viewer\n",
		s.AdminToken, AdminUser, s.ViewerToken, ViewerUser)
	tokenFile := filepath.Join(s.dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(tokens), 0o600); err != nil {
		return nil, err
	}

	pki, err := newClientPKI(CertUser, []string{"system:masters"})
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{
		"client-ca.crt": pki.caPEM,
		"client.crt":    pki.certPEM,
		"client.key":    pki.keyPEM,
	} {
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return []string{
		"--token-auth-file=" + tokenFile,
		"--client-ca-file=" + filepath.Join(s.dir, "client-ca.crt"),
		"--authorization-mode=Node,RBAC",
	}, nil
}

func (s *Server) startAPIServer(etcdURL string, flags []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errFatal {
				panic(r)
			}
			err = errors.New("test server reported a fatal error")
		}
	}()

	storage := storagebackend.NewDefaultConfig("kdyn-e2e/registry", nil)
	storage.Transport.ServerList = []string{etcdURL}
	opts := apiservertesting.NewDefaultTestServerOptions()
	// The invariant checks scrape metrics at teardown and judge the test
	// server's own behaviour, not kdyn's.
	opts.DisableInvariantChecks = true
	if s.api, err = apiservertesting.StartTestServer(s.tb, opts, flags, storage); err != nil {
		return err
	}

	s.URL = s.api.ClientConfig.Host
	certFile := s.api.ServerOpts.SecureServing.ServerCert.CertKey.CertFile
	if certFile == "" {
		certFile = filepath.Join(s.api.TmpDir, "apiserver.crt")
	}
	// The file holds the self-signed serving certificate followed by its CA.
	s.CAData, err = os.ReadFile(certFile)
	return err
}

// ClientGoConfig returns a client-go config for AdminUser: for test setup and
// for comparisons with client-go, never for the code under test.
func (s *Server) ClientGoConfig() *restclient.Config {
	return &restclient.Config{
		Host:            s.URL,
		BearerToken:     s.AdminToken,
		TLSClientConfig: restclient.TLSClientConfig{CAData: s.CAData},
		QPS:             1000,
		Burst:           1000,
	}
}

// CompactEtcd compacts etcd's history up to its current revision, so that
// watches and continue tokens from before are answered 410 Gone by etcd (the
// watch cache may still serve what it holds in memory).
func (s *Server) CompactEtcd(ctx context.Context) error {
	resp, err := s.api.EtcdClient.Get(ctx, "/kdyn-e2e/compact-probe")
	if err != nil {
		return fmt.Errorf("harness: compact: %w", err)
	}
	if _, err := s.api.EtcdClient.Compact(ctx, resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		return fmt.Errorf("harness: compact: %w", err)
	}
	return nil
}

// Dir is a directory removed by Stop, for files tests want to keep near the server.
func (s *Server) Dir() string { return s.dir }

// Stop shuts kube-apiserver down, then etcd, and removes the temporary files
// (the log files stay). It returns the errors the test server reported over
// its life. Stop on a partly started Server stops what runs.
func (s *Server) Stop() error {
	var errs []error
	if s.api.TearDownFn != nil {
		s.api.TearDownFn()
		s.api.TearDownFn = nil
	}
	if s.tb != nil {
		errs = append(errs, s.tb.runCleanups())
	}
	if s.etcd != nil {
		s.etcd.Close()
		s.etcd = nil
	}
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	if s.log != nil {
		unrouteKlog(s.log)
		errs = append(errs, s.log.Close())
	}
	return errors.Join(errs...)
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
