package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func cronTab(name string) string {
	return "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: " + name + "\nspec:\n  cronSpec: \"0 3 * * *\"\n  replicas: 2\n"
}

// TestApplyCRDThenItsKind applies a CRD and an object of its kind from one
// file: the mapper learns the new kind on its next lookup.
func TestApplyCRDThenItsKind(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "kubernetes-1.36-dev"))
	out := h.must(t, "apply", "-f", writeTemp(t, "all.yaml", cronTabCRD+"---\n"+cronTab("nightly")))
	assert.Equal(t, "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com serverside-applied\n"+
		"crontab.stable.example.com/nightly serverside-applied\n", out)

	yml := h.must(t, "get", "crontabs.stable.example.com", "nightly", "-o", "yaml")
	assert.Contains(t, yml, "manager: kdyn\n")
	assert.Contains(t, yml, "replicas: 2\n")
	assert.Contains(t, yml, "namespace: default\n")
	for _, arg := range []string{"crontabs", "ct", "crontab", "CronTab", "crontabs.v1.stable.example.com", "CronTab.stable.example.com"} {
		assert.Equal(t, "crontab.stable.example.com/nightly\n", h.must(t, "get", arg, "-o", "name"), arg)
	}
}

func TestApplyConflicts(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	h.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps))
	changed := writeTemp(t, "cm2.yaml", strings.ReplaceAll(configMaps, "blue", "green"))

	r := h.kdyn(t, "apply", "-f", changed, "--field-manager", "other")
	require.Error(t, r.err)
	assert.True(t, apierrors.IsConflict(r.err), "%v", r.err)

	h.must(t, "apply", "-f", changed, "--field-manager", "other", "--force-conflicts")
	assert.Contains(t, h.must(t, "get", "cm", "settings", "-o", "yaml"), "color: green")
}

func TestApplyStdin(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	stdin = strings.NewReader(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}]}`)
	t.Cleanup(func() { stdin = nil })
	assert.Equal(t, "namespace/team serverside-applied\n", h.must(t, "apply", "-f", "-"))
	assert.Contains(t, h.must(t, "get", "namespaces"), "team")
}

func TestApplyErrors(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	assert.ErrorIs(t, h.kdyn(t, "apply").err, errUsage)
	assert.Error(t, h.kdyn(t, "apply", "-f", "/nonexistent.yaml").err)
	assert.ErrorContains(t, h.kdyn(t, "apply", "-f", writeTemp(t, "x.yaml", "metadata: {name: x}\n")).err, "Kind")
	r := h.kdyn(t, "apply", "-f", writeTemp(t, "x.yaml", "apiVersion: nosuch.example.com/v1\nkind: Thing\nmetadata: {name: x}\n"))
	assert.ErrorContains(t, r.err, "thing.nosuch.example.com/x")
}
