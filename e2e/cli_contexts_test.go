package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubectl runs kubectl, a client no one here wrote, with kubeconfig.
func kubectl(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+home, "KUBECACHEDIR="+filepath.Join(home, "cache"))
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "kubectl %v: %s", args, stderr)
	return string(out)
}

// kdynWith runs the CLI with kubeconfig and returns stdout and stderr apart.
func kdynWith(t *testing.T, kubeconfig string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(kdynBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return string(out), stderr.String(), err
}

var ageCell = regexp.MustCompile(`\b(\d+[smhdy])+\b`)

// cellsOf is a table's cells line by line with ages blanked: two runs a
// second apart differ in ages, and so in column widths, nothing else.
func cellsOf(out string) [][]string {
	var lines [][]string
	for l := range strings.SplitSeq(out, "\n") {
		lines = append(lines, strings.Fields(ageCell.ReplaceAllString(l, "AGE")))
	}
	return lines
}

// TestKdynGetWideAsKubectl: on the real server, whose Pod and Deployment
// tables have columns of priority 1, kdyn get -o wide prints kubectl's
// columns and cells.
func TestKdynGetWideAsKubectl(t *testing.T) {
	ns := newNamespace(t, srv, "e2e-wide")
	kc := srv.TokenKubeconfig
	kubectl(t, kc, "create", "deployment", "web", "--image=nginx", "--replicas=2", "-n", ns)
	// No controller manager runs to create the namespace's default
	// ServiceAccount, which admission wants a Pod's to exist.
	kubectl(t, kc, "create", "serviceaccount", "default", "-n", ns)
	kubectl(t, kc, "run", "p", "--image=nginx", "--labels=app=p", "-n", ns)
	for _, args := range [][]string{
		{"get", "pods", "-o", "wide", "-n", ns},
		{"get", "deployments", "-o", "wide", "-n", ns},
		{"get", "deploy,pods", "-o", "wide", "-n", ns},
		{"get", "pods", "-n", ns},
	} {
		want := kubectl(t, kc, args...)
		got, stderr, err := kdynWith(t, kc, args...)
		require.NoError(t, err, stderr)
		assert.Equal(t, cellsOf(want), cellsOf(got), "%v: kubectl prints\n%s", args, want)
	}
	assert.Contains(t, kubectl(t, kc, "get", "pods", "-o", "wide", "-n", ns), "NOMINATED NODE", "the wide columns are there")

	_, stderr, err := kdynWith(t, kc, "get", "widgetz", "-n", ns)
	require.Error(t, err)
	assert.Equal(t, "kdyn get: the server doesn't have a resource type \"widgetz\"\n", stderr)
}

// TestKdynGetContexts: --all-contexts reads every context of a merged
// kubeconfig list, each row with its CLUSTER; a context whose server is
// gone is reported while the others print.
func TestKdynGetContexts(t *testing.T) {
	ns := newNamespace(t, srv, "e2e-contexts")
	kubectl(t, srv.TokenKubeconfig, "create", "configmap", "settings", "--from-literal=k=v", "-n", ns)
	dead := clientcmdapi.NewConfig()
	dead.Clusters["gone"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	dead.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone"}
	deadFile := filepath.Join(t.TempDir(), "dead.kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*dead, deadFile))
	list := strings.Join([]string{srv.TokenKubeconfig, srv.CertKubeconfig, deadFile}, string(os.PathListSeparator))

	out, stderr, err := kdynWith(t, list, "get", "configmaps", "--all-contexts", "-n", ns)
	require.Error(t, err)
	assert.Contains(t, stderr, `error: context "gone": `)
	assert.Contains(t, stderr, "kdyn get: 1 of 3 contexts failed")
	assert.Regexp(t, `^CLUSTER +NAME +DATA +AGE\n`, out)
	assert.Regexp(t, `\ne2e-cert +settings +1 +\S+\n(.*\n)*e2e-token +settings +1 +\S+\n`, out, "contexts sorted, one table")

	out, stderr, err = kdynWith(t, list, "api-resources", "--contexts", "e2e-token,e2e-cert", "-o", "name")
	require.NoError(t, err, stderr)
	assert.Contains(t, out, "e2e-token widgets.stable.kdyn.dev\n")
	assert.Contains(t, out, "e2e-cert widgets.stable.kdyn.dev\n")
}
