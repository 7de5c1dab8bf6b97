package rest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// serviceAccountDir is where the kubelet mounts a pod's service account.
const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// InClusterConfig returns the Config of a pod's service account: the API
// server from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the token
// file (re-read as the kubelet rotates it), the cluster CA, and the pod's
// namespace as Config.Namespace.
func InClusterConfig() (*Config, error) {
	return inClusterConfig(serviceAccountDir, os.Getenv)
}

func inClusterConfig(dir string, getenv func(string) string) (*Config, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, fmt.Errorf("rest: not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
	}
	token := filepath.Join(dir, "token")
	if err := checkRegular(token, maxTokenFile); err != nil {
		return nil, fmt.Errorf("rest: in-cluster service account token: %w", err)
	}
	ca := filepath.Join(dir, "ca.crt")
	if err := checkRegular(ca, maxPEMFile); err != nil {
		return nil, fmt.Errorf("rest: in-cluster service account CA: %w", err)
	}
	cfg := &Config{
		Host:            "https://" + net.JoinHostPort(host, port),
		BearerTokenFile: token,
		TLS:             TLSConfig{CAFile: ca},
	}
	// The namespace file is optional: a missing one leaves Namespace "".
	if ns, err := readRegular(filepath.Join(dir, "namespace"), maxTokenFile); err == nil {
		cfg.Namespace = strings.TrimSpace(string(ns))
	}
	return cfg, nil
}
