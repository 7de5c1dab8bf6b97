package rest

import (
	"encoding/base64"
	"fmt"
	"net/url"
)

// fieldError names the kubeconfig file and field an error is about.
func fieldError(file, section, name, field string, err error) error {
	return fmt.Errorf("rest: kubeconfig %s: %s[%q].%s: %w", file, section, name, field, err)
}

// applyCluster copies a cluster entry into cfg.
func applyCluster(cfg *Config, name string, c sourced[kcCluster]) error {
	v := c.v
	if v.Server == "" {
		return fieldError(c.file, "clusters", name, "server", fmt.Errorf("not set"))
	}
	if _, err := parseHost(v.Server); err != nil {
		return fieldError(c.file, "clusters", name, "server", err)
	}
	if _, err := url.Parse(v.ProxyURL); err != nil {
		return fieldError(c.file, "clusters", name, "proxy-url", err)
	}
	cfg.Host = v.Server
	cfg.TLS.Insecure = v.InsecureSkipTLSVerify
	cfg.TLS.ServerName = v.TLSServerName
	cfg.ProxyURL = v.ProxyURL
	var err error
	if cfg.TLS.CAData, err = decodeData(v.CertificateAuthorityData); err != nil {
		return fieldError(c.file, "clusters", name, "certificate-authority-data", err)
	}
	if len(cfg.TLS.CAData) == 0 && v.CertificateAuthority != "" {
		if err := checkRegular(v.CertificateAuthority, maxPEMFile); err != nil {
			return fieldError(c.file, "clusters", name, "certificate-authority", err)
		}
		cfg.TLS.CAFile = v.CertificateAuthority
	}
	return nil
}

// applyUser copies a user entry into cfg. cluster is passed on to exec
// plugins that ask for it.
func applyUser(cfg *Config, name string, u sourced[kcUser], cluster kcCluster) error {
	v := u.v
	if v.AuthProvider != nil {
		return fieldError(u.file, "users", name, "auth-provider",
			fmt.Errorf("auth-provider %q is not supported; use an exec credential plugin instead", v.AuthProvider.Name))
	}
	cfg.BearerToken, cfg.Username, cfg.Password = v.Token, v.Username, v.Password
	cfg.Impersonate = ImpersonationConfig{UserName: v.As, UID: v.AsUID, Groups: v.AsGroups, Extra: v.AsUserExtra}
	if v.TokenFile != "" {
		if err := checkRegular(v.TokenFile, maxTokenFile); err != nil {
			return fieldError(u.file, "users", name, "tokenFile", err)
		}
		cfg.BearerTokenFile = v.TokenFile
	}
	if err := applyClientCert(cfg, name, u); err != nil {
		return err
	}
	if v.Exec != nil {
		ec, err := execConfig(v.Exec, cluster)
		if err != nil {
			return fieldError(u.file, "users", name, "exec", err)
		}
		cfg.ExecProvider = ec
	}
	return nil
}

// applyClientCert copies the client certificate and key, data or file.
func applyClientCert(cfg *Config, name string, u sourced[kcUser]) error {
	v := u.v
	var err error
	if cfg.TLS.CertData, err = decodeData(v.ClientCertificateData); err != nil {
		return fieldError(u.file, "users", name, "client-certificate-data", err)
	}
	if cfg.TLS.KeyData, err = decodeData(v.ClientKeyData); err != nil {
		return fieldError(u.file, "users", name, "client-key-data", err)
	}
	if len(cfg.TLS.CertData) == 0 && v.ClientCertificate != "" {
		if err := checkRegular(v.ClientCertificate, maxPEMFile); err != nil {
			return fieldError(u.file, "users", name, "client-certificate", err)
		}
		cfg.TLS.CertFile = v.ClientCertificate
	}
	if len(cfg.TLS.KeyData) == 0 && v.ClientKey != "" {
		if err := checkRegular(v.ClientKey, maxPEMFile); err != nil {
			return fieldError(u.file, "users", name, "client-key", err)
		}
		cfg.TLS.KeyFile = v.ClientKey
	}
	return nil
}

// execConfig turns a user's exec entry into an ExecConfig.
func execConfig(e *kcExec, cluster kcCluster) (*ExecConfig, error) {
	if e.Command == "" {
		return nil, fmt.Errorf("command is not set")
	}
	if e.APIVersion != execV1 && e.APIVersion != execV1beta1 {
		return nil, fmt.Errorf("apiVersion %q is not supported (want %s or %s)", e.APIVersion, execV1, execV1beta1)
	}
	ec := &ExecConfig{
		Command: e.Command, Args: e.Args, Env: e.Env, APIVersion: e.APIVersion,
		InstallHint: e.InstallHint, ProvideClusterInfo: e.ProvideClusterInfo,
	}
	for _, ext := range cluster.Extensions {
		if ext.Name == execExtensionName {
			ec.ClusterExtension = ext.Extension
		}
	}
	return ec, nil
}

// decodeData decodes a base64 *-data field; "" is no data.
func decodeData(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	return b, nil
}
