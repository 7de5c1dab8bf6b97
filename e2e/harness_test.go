package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kdyn/kdyn/e2e/harness"
)

// These tests check the harness with plain net/http and client-go, so that a
// kdyn failure elsewhere is never a harness failure in disguise.

func TestHarnessVersion(t *testing.T) {
	code, body := rawGet(t, "/version", srv.AdminToken)
	require.Equal(t, http.StatusOK, code, string(body))
	var info version.Info
	require.NoError(t, json.Unmarshal(body, &info))
	assert.Equal(t, "v1.37.2", info.GitVersion)
	assert.Equal(t, "1", info.Major)
	assert.Equal(t, "37", info.Minor)
}

func TestHarnessViewerIsForbidden(t *testing.T) {
	code, body := rawGet(t, "/api/v1/namespaces", srv.ViewerToken)
	assert.Equal(t, http.StatusForbidden, code, string(body))
}

func TestHarnessKubeconfigs(t *testing.T) {
	for _, tc := range []struct {
		path, user string
	}{
		{srv.TokenKubeconfig, harness.AdminUser},
		{srv.CertKubeconfig, harness.CertUser},
	} {
		t.Run(tc.user, func(t *testing.T) {
			cfg, err := clientcmd.BuildConfigFromFlags("", tc.path)
			require.NoError(t, err)
			cs, err := kubernetes.NewForConfig(cfg)
			require.NoError(t, err)
			review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(context.Background(),
				&authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.user, review.Status.UserInfo.Username)
			assert.Contains(t, review.Status.UserInfo.Groups, "system:masters")
		})
	}
}

// rawGet fetches path from the server with a bearer token over a client that
// trusts only the harness's CA.
func rawGet(t *testing.T, path, token string) (int, []byte) {
	t.Helper()
	client, err := serverHTTPClient()
	require.NoError(t, err)
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}
