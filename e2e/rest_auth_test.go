package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/rest"
)

// TestRestKubeconfigAuth reaches the server with the other ways a kubeconfig
// can carry a bearer token: a token file and an exec credential plugin.
func TestRestKubeconfigAuth(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(srv.AdminToken+"\n"), 0o600))
	plugin := filepath.Join(dir, "credential-plugin")
	credential := fmt.Sprintf(`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":%q}}`, srv.AdminToken)
	require.NoError(t, os.WriteFile(plugin, []byte("#!/bin/sh\ncat <<'EOF'\n"+credential+"\nEOF\n"), 0o700))

	ca := base64.StdEncoding.EncodeToString(srv.CAData)
	for name, user := range map[string]string{
		"token file": fmt.Sprintf("tokenFile: %s", tokenFile),
		"exec plugin": fmt.Sprintf(`exec:
      apiVersion: client.authentication.k8s.io/v1
      command: %s
      interactiveMode: Never`, plugin),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "kubeconfig")
			require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: u
  user:
    %s
contexts:
- name: c
  context: {cluster: e2e, user: u}
current-context: c
`, srv.URL, ca, user)), 0o600))
			cfg, err := rest.LoadKubeconfig(path, "")
			require.NoError(t, err)
			c, err := rest.NewClient(cfg)
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			review := &authenticationv1.SelfSubjectReview{}
			require.NoError(t, c.Post().AbsPath("/apis/authentication.k8s.io/v1/selfsubjectreviews").
				Body([]byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)).
				Do(context.Background()).Into(review))
			assert.Equal(t, harness.AdminUser, review.Status.UserInfo.Username)
		})
	}
}
