package rest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// loadedTLS is a TLSConfig with its files read.
type loadedTLS struct {
	insecure   bool
	serverName string
	ca         []byte
	cert, key  []byte
}

// loadTLS reads the files of c; Data fields win over File fields. Errors
// name the field and file, never the key material.
func loadTLS(c TLSConfig) (loadedTLS, error) {
	l := loadedTLS{insecure: c.Insecure, serverName: c.ServerName}
	var err error
	if l.ca, err = dataOrFile("TLS.CAFile", c.CAData, c.CAFile); err != nil {
		return l, err
	}
	if l.cert, err = dataOrFile("TLS.CertFile", c.CertData, c.CertFile); err != nil {
		return l, err
	}
	if l.key, err = dataOrFile("TLS.KeyFile", c.KeyData, c.KeyFile); err != nil {
		return l, err
	}
	if l.insecure && len(l.ca) > 0 {
		// kubectl refuses this too: trusting a CA and trusting anyone at once
		// is a configuration mistake, not a choice.
		return l, fmt.Errorf("rest: TLS.Insecure with a certificate authority is not allowed")
	}
	if (len(l.cert) > 0) != (len(l.key) > 0) {
		return l, fmt.Errorf("rest: TLS: a client certificate needs both a certificate and a key")
	}
	return l, nil
}

func dataOrFile(field string, data []byte, file string) ([]byte, error) {
	if len(data) > 0 || file == "" {
		return data, nil
	}
	b, err := readRegular(file, maxPEMFile)
	if err != nil {
		return nil, fmt.Errorf("rest: %s: %w", field, err)
	}
	return b, nil
}

// tlsConfig builds the crypto/tls configuration. getCert, if non-nil,
// supplies the client certificate at each handshake (exec plugins).
func (l loadedTLS) tlsConfig(getCert func(*tls.CertificateRequestInfo) (*tls.Certificate, error)) (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: l.insecure, //nolint:gosec // only an explicit insecure-skip-tls-verify sets it
		ServerName:         l.serverName,
	}
	if len(l.ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(l.ca) {
			return nil, fmt.Errorf("rest: TLS certificate authority: no PEM certificate found")
		}
		tc.RootCAs = pool
	}
	if len(l.cert) > 0 {
		cert, err := tls.X509KeyPair(l.cert, l.key)
		if err != nil {
			return nil, fmt.Errorf("rest: TLS client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	} else if getCert != nil {
		tc.GetClientCertificate = getCert
	}
	return tc, nil
}
