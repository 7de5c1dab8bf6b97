package rest

import (
	"context"
	"crypto/tls"
	"net/http"
)

// ExecConfig runs a client.authentication.k8s.io credential plugin.
type ExecConfig struct {
	// Command is the program to run; a bare name is looked up in $PATH.
	Command string
	Args    []string
	// Env is added to the plugin's environment (which is otherwise ours).
	Env []ExecEnvVar
	// APIVersion is client.authentication.k8s.io/v1 or /v1beta1.
	APIVersion string
	// InstallHint is shown when Command cannot be found.
	InstallHint string
	// ProvideClusterInfo passes the cluster (server, CA, ...) to the plugin
	// in KUBERNETES_EXEC_INFO.
	ProvideClusterInfo bool
	// ClusterExtension is the kubeconfig cluster's client.authentication.k8s.io/exec
	// extension, passed as spec.cluster.config when ProvideClusterInfo is set.
	ClusterExtension []byte
}

// ExecEnvVar is one environment variable for an exec plugin.
type ExecEnvVar struct {
	Name  string
	Value string
}

type execAuth struct{}

func newExecAuth(ec *ExecConfig, cfg *Config, l loadedTLS) (*execAuth, error) {
	if ec == nil {
		return nil, nil
	}
	return &execAuth{}, nil
}

func (e *execAuth) clientCertificate() func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return nil
}

func (e *execAuth) setTransport(t *http.Transport) {}

func (e *execAuth) authorization(ctx context.Context) (string, error) { return "", nil }

func (e *execAuth) refresh(ctx context.Context, used string) bool { return false }
