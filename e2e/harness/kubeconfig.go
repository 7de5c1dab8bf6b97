package harness

import (
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeKubeconfigs writes TokenKubeconfig (everything inline) and
// CertKubeconfig (everything in files named relative to the kubeconfig, as
// kubeadm and kind users often have them).
func (s *Server) writeKubeconfigs() error {
	if err := os.WriteFile(filepath.Join(s.dir, "server-ca.crt"), s.CAData, 0o600); err != nil {
		return err
	}

	token := clientcmdapi.NewConfig()
	token.Clusters["e2e"] = &clientcmdapi.Cluster{Server: s.URL, CertificateAuthorityData: s.CAData}
	token.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: s.AdminToken}
	token.Contexts["e2e-token"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "admin", Namespace: "default"}
	token.CurrentContext = "e2e-token"
	s.TokenKubeconfig = filepath.Join(s.dir, "token.kubeconfig")
	if err := clientcmd.WriteToFile(*token, s.TokenKubeconfig); err != nil {
		return err
	}

	cert := clientcmdapi.NewConfig()
	cert.Clusters["e2e"] = &clientcmdapi.Cluster{Server: s.URL, CertificateAuthority: "server-ca.crt"}
	cert.AuthInfos["cert"] = &clientcmdapi.AuthInfo{ClientCertificate: "client.crt", ClientKey: "client.key"}
	cert.Contexts["e2e-cert"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "cert"}
	cert.CurrentContext = "e2e-cert"
	s.CertKubeconfig = filepath.Join(s.dir, "cert.kubeconfig")
	return clientcmd.WriteToFile(*cert, s.CertKubeconfig)
}
