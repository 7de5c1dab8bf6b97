package rest

import "encoding/json"

// The kubeconfig v1 schema (clientcmd's api/v1), the fields kdyn reads.
// Unknown fields are ignored, as kubectl does, so newer files still load.
// *-data fields are kept as strings and base64-decoded by us so that an error
// can name the field.

type kubeconfigFile struct {
	CurrentContext string         `json:"current-context"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
}

type namedCluster struct {
	Name    string    `json:"name"`
	Cluster kcCluster `json:"cluster"`
}

type kcCluster struct {
	Server                   string           `json:"server"`
	TLSServerName            string           `json:"tls-server-name"`
	InsecureSkipTLSVerify    bool             `json:"insecure-skip-tls-verify"`
	CertificateAuthority     string           `json:"certificate-authority"`
	CertificateAuthorityData string           `json:"certificate-authority-data"`
	ProxyURL                 string           `json:"proxy-url"`
	Extensions               []namedExtension `json:"extensions"`
}

type namedExtension struct {
	Name      string          `json:"name"`
	Extension json.RawMessage `json:"extension"`
}

type namedUser struct {
	Name string `json:"name"`
	User kcUser `json:"user"`
}

type kcUser struct {
	ClientCertificate     string              `json:"client-certificate"`
	ClientCertificateData string              `json:"client-certificate-data"`
	ClientKey             string              `json:"client-key"`
	ClientKeyData         string              `json:"client-key-data"`
	Token                 string              `json:"token"`
	TokenFile             string              `json:"tokenFile"`
	As                    string              `json:"as"`
	AsUID                 string              `json:"as-uid"`
	AsGroups              []string            `json:"as-groups"`
	AsUserExtra           map[string][]string `json:"as-user-extra"`
	Username              string              `json:"username"`
	Password              string              `json:"password"`
	AuthProvider          *kcAuthProvider     `json:"auth-provider"`
	Exec                  *kcExec             `json:"exec"`
}

type kcAuthProvider struct {
	Name string `json:"name"`
}

type kcExec struct {
	Command            string       `json:"command"`
	Args               []string     `json:"args"`
	Env                []ExecEnvVar `json:"env"`
	APIVersion         string       `json:"apiVersion"`
	InstallHint        string       `json:"installHint"`
	ProvideClusterInfo bool         `json:"provideClusterInfo"`
}

type namedContext struct {
	Name    string    `json:"name"`
	Context kcContext `json:"context"`
}

type kcContext struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace"`
}

// execExtensionName is the cluster extension passed to exec plugins.
const execExtensionName = "client.authentication.k8s.io/exec"
