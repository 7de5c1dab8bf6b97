package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
)

// contextsEnv is a kubeconfig with contexts "one" and "two", each its own
// fixture server, "dead" (nothing listens) and "broken" (no such cluster).
type contextsEnv struct {
	kubeconfig string
	one, two   *fixture.Server
}

func newContextsEnv(t *testing.T) *contextsEnv {
	t.Helper()
	e := &contextsEnv{one: fixture.NewServer(loadRecorded(t, "k3s-v1.25.0")), two: fixture.NewServer(loadRecorded(t, "k8s-1.37"))}
	t.Cleanup(e.one.Close)
	t.Cleanup(e.two.Close)
	dead := fixture.NewServer(fixture.Synthetic(0, 0))
	dead.Close()
	e.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(e.kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
current-context: one
clusters:
- {name: one, cluster: {server: %q}}
- {name: two, cluster: {server: %q}}
- {name: dead, cluster: {server: %q}}
contexts:
- {name: one, context: {cluster: one, namespace: default}}
- {name: two, context: {cluster: two, namespace: kube-system}}
- {name: dead, context: {cluster: dead}}
- {name: broken, context: {cluster: missing}}
`, e.one.URL, e.two.URL, dead.URL), 0o600))
	return e
}

func (e *contextsEnv) kdyn(t *testing.T, name string, args ...string) result {
	t.Helper()
	return (&harness{kubeconfig: e.kubeconfig}).kdyn(t, name, args...)
}

func TestGetContexts(t *testing.T) {
	e := newContextsEnv(t)
	h1 := &harness{kubeconfig: e.kubeconfig}
	h1.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps), "--context", "one")
	h1.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps), "--context", "two", "-n", "default")

	r := e.kdyn(t, "get", "configmaps", "--contexts", "one,two", "-A")
	require.NoError(t, r.err, r.stderr)
	assert.Regexp(t, `^CLUSTER +NAMESPACE +NAME +DATA +AGE\n`, r.stdout, "one table, CLUSTER first")
	for _, want := range []string{`one +default +settings +\S+`, `one +kube-system +other `, `two +default +settings `, `two +kube-system +other `} {
		assert.Regexp(t, want, r.stdout)
	}
	assert.Less(t, strings.Index(r.stdout, "one "), strings.Index(r.stdout, "two "), "contexts in the order given")

	r = e.kdyn(t, "get", "configmaps", "--contexts", "two,one")
	require.NoError(t, r.err, r.stderr)
	assert.Regexp(t, `^CLUSTER +NAME +DATA +AGE\ntwo +other +1 +\S+\none +settings +1 +\S+\n$`, r.stdout,
		"each context in its own namespace, in the order given")

	r = e.kdyn(t, "get", "cm", "--all-contexts", "-A", "-o", "name")
	assert.EqualError(t, r.err, "2 of 4 contexts failed")
	assert.Equal(t, "one configmap/settings\none configmap/other\ntwo configmap/settings\ntwo configmap/other\n", r.stdout,
		"the contexts that answer print")
	assert.Contains(t, r.stderr, `error: context "broken": `)
	assert.Contains(t, r.stderr, `cluster "missing" not found`)
	assert.Regexp(t, `error: context "dead": .*connection refused`, r.stderr)

	r = e.kdyn(t, "get", "cm", "settings", "--contexts", "one,two", "-n", "default", "-o", "json")
	require.NoError(t, r.err, r.stderr)
	var doc map[string]struct {
		Items []struct{ Metadata struct{ Name string } }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	require.Len(t, doc, 2, "one List per context")
	assert.Equal(t, "settings", doc["two"].Items[0].Metadata.Name)

	r = e.kdyn(t, "get", "widgets", "--contexts", "one,two")
	assert.EqualError(t, r.err, "1 of 2 contexts failed")
	assert.Equal(t, "No resources found in kube-system namespace.\n"+
		`error: context "one": the server doesn't have a resource type "widgets"`+"\n", r.stderr, "two serves widgets, but has none")

	r = e.kdyn(t, "get", "cm", "--contexts", "one,nope")
	assert.Contains(t, r.stderr, `error: context "nope": context "nope" not found in the kubeconfig`)

	assert.ErrorIs(t, e.kdyn(t, "get", "cm", "--contexts", "one", "--all-contexts").err, errUsage)
	assert.ErrorIs(t, e.kdyn(t, "get", "cm", "--contexts", "one", "--context", "two").err, errUsage)
	assert.ErrorIs(t, e.kdyn(t, "get", "cm", "--contexts", ",").err, errUsage)
}

func TestAPIResourcesContexts(t *testing.T) {
	e := newContextsEnv(t)
	r := e.kdyn(t, "api-resources", "--contexts", "one,dead,two")
	assert.EqualError(t, r.err, "1 of 3 contexts failed")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Equal(t, []string{"CLUSTER", "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"one", "bindings", "v1", "true", "Binding"}, strings.Fields(lines[1]))
	assert.Len(t, lines, 1+len(servedNames(t, loadRecorded(t, "k3s-v1.25.0")))+len(servedNames(t, loadRecorded(t, "k8s-1.37"))))
	assert.Contains(t, r.stdout, "\ntwo ")
	assert.Regexp(t, `error: context "dead": `, r.stderr)

	r = e.kdyn(t, "api-resources", "--contexts", "two", "-o", "name")
	require.NoError(t, r.err)
	assert.Contains(t, r.stdout, "two deployments.apps\n")
}

// TestGetNoSuchType answers as kubectl does (see TestKubectlGetAsKdyn).
func TestGetNoSuchType(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	for _, arg := range []string{"widgetz", "widgetz,pods", "pods,widgetz"} {
		r := h.kdyn(t, "get", arg)
		assert.EqualError(t, r.err, `the server doesn't have a resource type "widgetz"`, arg)
		assert.Empty(t, r.stdout, arg)
	}
}
