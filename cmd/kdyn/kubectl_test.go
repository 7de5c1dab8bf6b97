package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests point kubectl, a client no one here wrote, at the server of
// "kdyn serve". Only the k8s-1.37 recording has OpenAPI documents, and
// kubectl's default validation downloads them (elsewhere GET /openapi/v2
// answers 404: "failed to download openapi"), so writes to the other
// recordings run with --validate=false.

// kubectlEnv is a running "kdyn serve" and a HOME, KUBECACHEDIR and
// kubeconfig of its own for kubectl.
type kubectlEnv struct {
	dir        string
	kubeconfig string
}

// serveForKubectl runs "kdyn serve dir" in-process until the test ends.
func serveForKubectl(t *testing.T, dir string) *kubectlEnv {
	t.Helper()
	e := &kubectlEnv{dir: t.TempDir()}
	e.kubeconfig = filepath.Join(e.dir, "kubeconfig")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	var wg sync.WaitGroup
	var err error
	wg.Go(func() {
		err = serve(ctx, []string{dir, "--addr", "127.0.0.1:0", "--kubeconfig-out", e.kubeconfig}, &stdout, &stderr)
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		assert.NoError(t, err, stderr.String())
	})
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "kubeconfig: ") }, 10*time.Second, 10*time.Millisecond, stderr.String())
	return e
}

func (e *kubectlEnv) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+e.dir, "KUBECACHEDIR="+filepath.Join(e.dir, "cache"), "KUBECONFIG="+e.kubeconfig)
	return cmd
}

// kubectl runs kubectl and returns its stdout and, on failure, an error
// carrying its stderr.
func (e *kubectlEnv) kubectl(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return string(out), stderr.String(), err
}

func (e *kubectlEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := e.kubectl(t, args...)
	require.NoError(t, err, "kubectl %s: %s", strings.Join(args, " "), stderr)
	return out
}

// kdyn runs the kdyn binary against the same server. (Run in-process, its
// clients would keep connections open in the test process, which the
// server's graceful shutdown would wait for.)
func (e *kubectlEnv) kdyn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, code := binary(t, append(args, "--kubeconfig", e.kubeconfig)...)
	if code != 0 {
		return stdout, fmt.Errorf("kdyn %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout, nil
}

func (e *kubectlEnv) mustKdyn(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.kdyn(t, args...)
	require.NoError(t, err)
	return out
}

func TestKubectlAPIResources(t *testing.T) {
	for _, name := range []string{"k3s-v1.25.0", "kubernetes-1.36-dev", "k3s-v1.21"} {
		t.Run(name, func(t *testing.T) {
			e := serveForKubectl(t, filepath.Join(clustersDir, name))
			want := servedNames(t, loadRecorded(t, name))
			assert.Equal(t, want, sortedFields(e.must(t, "api-resources", "-o", "name")))
			assert.Equal(t, want, sortedFields(e.mustKdyn(t, "api-resources", "-o", "name")), "kdyn agrees with kubectl")
			assert.Equal(t, e.must(t, "api-resources"), e.mustKdyn(t, "api-resources"), "kdyn prints kubectl's table")
		})
	}
}

func TestKubectlObjects(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k3s-v1.25.0"))
	file := writeTemp(t, "cm.yaml", configMaps)

	_, stderr, err := e.kubectl(t, "create", "-f", file)
	require.Error(t, err, "validation needs OpenAPI, which the recording lacks")
	assert.Contains(t, stderr, "failed to download openapi")

	assert.Equal(t, "configmap/settings created\nconfigmap/other created\n", e.must(t, "create", "--validate=false", "-f", file))
	out := e.must(t, "get", "configmaps", "-A", "-o", "yaml")
	assert.Contains(t, out, "namespace: kube-system")
	assert.Contains(t, out, "color: blue")
	assert.Contains(t, e.mustKdyn(t, "get", "cm", "settings", "-o", "yaml"), "color: blue", "kdyn reads what kubectl wrote")

	green := writeTemp(t, "green.yaml", strings.ReplaceAll(configMaps, "blue", "green"))
	assert.Contains(t, e.must(t, "apply", "--validate=false", "-f", green), "configmap/settings configured")
	assert.Equal(t, "green", e.must(t, "get", "cm", "settings", "-o", "jsonpath={.data.color}"))

	red := writeTemp(t, "red.yaml", strings.ReplaceAll(configMaps, "blue", "red"))
	// kubectl moves the fields kubectl-client-side-apply owns to its
	// server-side manager before it applies, so no conflict arises.
	assert.Contains(t, e.must(t, "apply", "--server-side", "--validate=false", "-f", red), "configmap/settings serverside-applied")
	assert.Equal(t, "red", e.must(t, "get", "cm", "settings", "-o", "jsonpath={.data.color}"))
	managers := e.must(t, "get", "cm", "settings", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")
	assert.Contains(t, managers, "kubectl")

	_, err = e.kdyn(t, "apply", "-f", green)
	assert.ErrorContains(t, err, "Apply failed with 1 conflict", "kubectl owns data.color now")

	assert.Equal(t, "configmap \"settings\" deleted\n", e.must(t, "delete", "cm", "settings"))
	assert.Equal(t, "configmap/other\n", e.must(t, "get", "cm", "-A", "-o", "name"))
}

func TestKubectlWatch(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k3s-v1.25.0"))
	e.mustKdyn(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := e.command(ctx, "get", "configmaps", "-n", "default", "-w", "--output-watch-events")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(stdout); sc.Scan(); {
			lines <- sc.Text()
		}
	}()

	// The first lines are the list; the watch resumes from its
	// resourceVersion, so a change made now is seen however soon it comes.
	require.Contains(t, nextLine(t, lines, "settings"), "ADDED")
	e.mustKdyn(t, "apply", "-f", writeTemp(t, "cm.yaml", strings.ReplaceAll(configMaps, "blue", "green")))
	assert.Contains(t, nextLine(t, lines, "settings"), "MODIFIED")
	e.mustKdyn(t, "delete", "cm", "settings")
	assert.Contains(t, nextLine(t, lines, "settings"), "DELETED")
}

// nextLine returns the next line that contains s.
func nextLine(t *testing.T, lines <-chan string, s string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "kubectl exited before printing %q", s)
			if strings.Contains(l, s) {
				return l
			}
		case <-timeout:
			require.FailNow(t, "kubectl printed no line with "+s)
		}
	}
}

// TestKubectlExplain explains a CRD the recording holds among its starting
// objects (objects/*.yaml): the fixture publishes its schema in OpenAPI v3
// as the API server does. A CRD the recording knows only from discovery
// (helm.cattle.io's HelmChart in k3s) cannot be explained: the recording
// has no OpenAPI documents, so the /openapi/v3 index has no
// apis/helm.cattle.io/v1 entry and /openapi/v2 answers 404.
func TestKubectlExplain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k3s-with-crd")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(clustersDir, "k3s-v1.25.0"))))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "objects"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "objects", "crontab-crd.yaml"), []byte(cronTabCRD), 0o600))
	e := serveForKubectl(t, dir)

	out := e.must(t, "explain", "crontabs")
	assert.Regexp(t, `GROUP: +stable.example.com\nKIND: +CronTab\nVERSION: +v1\n`, out)

	_, stderr, err := e.kubectl(t, "explain", "helmcharts")
	require.Error(t, err)
	assert.Contains(t, stderr, `couldn't find resource for "helm.cattle.io/v1, Resource=helmcharts"`)
}

// TestKubectlCRD creates a CRD through kubectl and uses its kind through
// kubectl: discovery changes and kubectl sees it.
func TestKubectlCRD(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "kubernetes-1.36-dev"))
	assert.NotContains(t, sortedFields(e.must(t, "api-resources", "-o", "name")), "crontabs.stable.example.com")
	assert.Contains(t, e.must(t, "create", "--validate=false", "-f", writeTemp(t, "crd.yaml", cronTabCRD)), "created")
	assert.Contains(t, sortedFields(e.must(t, "api-resources", "-o", "name")), "crontabs.stable.example.com")

	obj := writeTemp(t, "ct.yaml", cronTab("nightly"))
	assert.Equal(t, "crontab.stable.example.com/nightly created\n", e.must(t, "create", "--validate=false", "-f", obj))
	assert.Regexp(t, `(?m)^nightly +\S+$`, e.must(t, "get", "ct"))
	assert.Equal(t, "2", e.must(t, "get", "crontabs.stable.example.com", "nightly", "-o", "jsonpath={.spec.replicas}"))
	assert.Contains(t, e.must(t, "get", "all", "-o", "name"), "crontab.stable.example.com/nightly", "the all category")
	assert.Contains(t, e.mustKdyn(t, "get", "ct"), "nightly", "kdyn sees it too")

	e.must(t, "delete", "crd", "crontabs.stable.example.com")
	assert.NotContains(t, sortedFields(e.must(t, "api-resources", "-o", "name")), "crontabs.stable.example.com")
}

// TestKubectlOpenAPIV2 explains and creates with default validation on the
// recording that has /openapi/v2 (as JSON only): kubectl asks for it as
// protobuf, after /openapi/v3 answers 404, and cannot parse JSON.
func TestKubectlOpenAPIV2(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k8s-1.37"))

	out := e.must(t, "explain", "widgets.spec")
	assert.Regexp(t, `KIND: +Widget\nVERSION: +stable.kdyn.dev/v1\n`, out, "explained from OpenAPI v2")
	assert.Contains(t, out, "replicas\t<integer>")
	assert.Contains(t, e.must(t, "explain", "deployments.spec.replicas"), "Number of desired pods")

	widget := writeTemp(t, "widget.yaml", `apiVersion: stable.kdyn.dev/v1
kind: Widget
metadata:
  name: w1
  namespace: default
spec:
  color: blue
  replicas: 2
`)
	assert.Equal(t, "widget.stable.kdyn.dev/w1 created\n", e.must(t, "create", "-f", widget))
	assert.Contains(t, e.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps)), "configmap/settings created")
}

// TestKubectlCreateProtobuf: kubectl's typed commands (create namespace,
// create configmap) send their objects as protobuf, not JSON; the server
// must read them rather than answer 415.
func TestKubectlCreateProtobuf(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k3s-v1.25.0"))

	out, stderr, err := e.kubectl(t, "create", "ns", "team", "-v=8")
	require.NoError(t, err, stderr)
	assert.Equal(t, "namespace/team created\n", out)
	assert.Contains(t, stderr, "Content-Type: application/vnd.kubernetes.protobuf", "kubectl sent protobuf")

	assert.Equal(t, "configmap/x created\n", e.must(t, "create", "configmap", "x", "-n", "team", "--from-literal=a=b"))
	assert.Equal(t, "b", e.must(t, "get", "cm", "x", "-n", "team", "-o", "jsonpath={.data.a}"))
	assert.Equal(t, "Active", e.must(t, "get", "ns", "team", "-o", "jsonpath={.status.phase}"))

	_, stderr, err = e.kubectl(t, "create", "ns", "team")
	require.Error(t, err)
	assert.Contains(t, stderr, `namespaces "team" already exists`)
}

const gadgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.tools.example.com
spec:
  group: tools.example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, description: How big it is.}
              label: {type: string, nullable: true}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
`

// TestKubectlOpenAPIV2CRD: a CRD created through kubectl on the recording
// with /openapi/v2 shows in it, so kubectl explains its kind and validates
// its objects, and kubectl still explains the built-in kinds (v3 stays
// absent, as recorded).
func TestKubectlOpenAPIV2CRD(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k8s-1.37"))
	assert.Contains(t, e.must(t, "create", "-f", writeTemp(t, "crd.yaml", gadgetCRD)), "created")

	out := e.must(t, "explain", "gadgets.spec")
	assert.Regexp(t, `KIND: +Gadget\nVERSION: +tools.example.com/v1\n`, out)
	assert.Contains(t, out, "How big it is.")
	assert.Contains(t, e.must(t, "explain", "deployments.spec.replicas"), "Number of desired pods")

	gadget := writeTemp(t, "gadget.yaml", `apiVersion: tools.example.com/v1
kind: Gadget
metadata:
  name: g1
  namespace: default
spec:
  size: 3
  label: null
  port: http
`)
	assert.Equal(t, "gadget.tools.example.com/g1 created\n", e.must(t, "create", "-f", gadget))

	e.must(t, "delete", "crd", "gadgets.tools.example.com")
	_, stderr, err := e.kubectl(t, "explain", "gadgets")
	require.Error(t, err)
	// Which of the two depends on whether kubectl's discovery cache still
	// lists gadgets; either way OpenAPI no longer has the kind.
	assert.Regexp(t, `couldn't find resource for "tools.example.com/v1, Kind=Gadget"|doesn't have a resource type "gadgets"`, stderr)
}

// TestKubectlGetBuiltInColumns: kubectl get prints the columns the real
// server's printers give Deployments and Pods.
func TestKubectlGetBuiltInColumns(t *testing.T) {
	e := serveForKubectl(t, filepath.Join(clustersDir, "k8s-1.37"))
	e.must(t, "create", "deployment", "web", "--image=nginx", "--replicas=2")
	e.must(t, "run", "p", "--image=nginx")
	assert.Regexp(t, `^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +0/2 +0 +0 +\S+\n$`, e.must(t, "get", "deployments"))
	assert.Regexp(t, `^NAME +READY +STATUS +RESTARTS +AGE\np +0/1 +Pending +0 +\S+\n$`, e.must(t, "get", "pods"))
}
