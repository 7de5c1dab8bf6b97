package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/version"

	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/rest"
)

func TestRestKubeconfig(t *testing.T) {
	for _, tc := range []struct {
		name, path, user string
	}{
		{"token", srv.TokenKubeconfig, harness.AdminUser},
		{"client certificate", srv.CertKubeconfig, harness.CertUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, err := rest.LoadKubeconfig(tc.path, "")
			require.NoError(t, err)
			assert.Equal(t, srv.URL, cfg.Host)
			c, err := rest.NewClient(cfg)
			require.NoError(t, err)

			raw, err := c.Get().AbsPath("/version").Do(ctx).Raw()
			require.NoError(t, err)
			var info version.Info
			require.NoError(t, json.Unmarshal(raw, &info))
			assert.Equal(t, "v1.37.2", info.GitVersion)

			review := &authenticationv1.SelfSubjectReview{}
			require.NoError(t, c.Post().AbsPath("/apis/authentication.k8s.io/v1/selfsubjectreviews").
				Body([]byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)).
				Do(ctx).Into(review))
			assert.Equal(t, tc.user, review.Status.UserInfo.Username)
		})
	}
}

func TestRestKubeconfigNamespace(t *testing.T) {
	cfg, err := rest.LoadKubeconfig(srv.TokenKubeconfig, "e2e-token")
	require.NoError(t, err)
	assert.Equal(t, "default", cfg.Namespace)
	_, err = rest.LoadKubeconfig(srv.TokenKubeconfig, "no-such-context")
	assert.Error(t, err)
}

func TestRestStatusErrors(t *testing.T) {
	ctx := context.Background()
	cfg, err := rest.LoadKubeconfig(srv.TokenKubeconfig, "")
	require.NoError(t, err)
	c, err := rest.NewClient(cfg)
	require.NoError(t, err)

	err = c.Get().AbsPath("/api/v1").Namespace("default").Resource("configmaps").Name("no-such-thing").Do(ctx).Error()
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	viewer := *cfg
	viewer.BearerToken = srv.ViewerToken
	vc, err := rest.NewClient(&viewer)
	require.NoError(t, err)
	err = vc.Get().AbsPath("/api/v1").Resource("namespaces").Do(ctx).Error()
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
	var status apierrors.APIStatus
	require.ErrorAs(t, err, &status)
	assert.Equal(t, "namespaces", status.Status().Details.Kind)

	bad := *cfg
	bad.BearerToken = "not-a-token"
	bc, err := rest.NewClient(&bad)
	require.NoError(t, err)
	err = bc.Get().AbsPath("/version").Do(ctx).Error()
	assert.True(t, apierrors.IsUnauthorized(err), "%v", err)
}
