package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const configMaps = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
---
# an empty document is skipped
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: kube-system
data:
  color: red
`

func TestGet(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	h.must(t, "apply", "-f", writeTemp(t, "cm.yaml", configMaps))

	table := h.must(t, "get", "configmaps")
	assert.Regexp(t, `^NAME +DATA +AGE\nsettings +1 +\S+\n$`, table)

	all := h.must(t, "get", "cm", "-A")
	assert.Regexp(t, `^NAMESPACE +NAME +DATA +AGE\n`, all)
	assert.Regexp(t, `\ndefault +settings +1 +\S+\n`, all)
	assert.Regexp(t, `\nkube-system +other +1 +\S+\n`, all)

	yml := h.must(t, "get", "cm", "settings", "-o", "yaml")
	assert.Contains(t, yml, "kind: ConfigMap\n")
	assert.Contains(t, yml, "  color: blue\n")

	var list struct {
		Kind  string
		Items []struct{ Kind, APIVersion string }
	}
	require.NoError(t, json.Unmarshal([]byte(h.must(t, "get", "configmaps", "-A", "-o", "json")), &list))
	assert.Equal(t, "List", list.Kind)
	require.Len(t, list.Items, 2)
	assert.Equal(t, "ConfigMap", list.Items[0].Kind, "list items get their kind")

	assert.Regexp(t, `^NAME +STATUS +AGE\ndefault +Active +`, h.must(t, "get", "namespaces", "-A"), "cluster-scoped: no NAMESPACE column")
	both := h.must(t, "get", "cm,ns")
	assert.Regexp(t, `^NAME +DATA +AGE\nconfigmap/settings +1 +\S+\n\nNAME +STATUS +AGE\nnamespace/default +`, both, "each kind its own table, names with their kind")

	assert.Equal(t, "configmap/other\n", h.must(t, "get", "configmaps", "-n", "kube-system", "-o", "name"))
}

func TestGetEmptyAndErrors(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	r := h.kdyn(t, "get", "deployments")
	require.NoError(t, r.err)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "No resources found in default namespace.\n", r.stderr)

	r = h.kdyn(t, "get", "cm", "missing")
	assert.True(t, apierrors.IsNotFound(r.err), "%v", r.err)
	assert.Error(t, h.kdyn(t, "get", "nosuchthings").err)
	assert.ErrorIs(t, h.kdyn(t, "get").err, errUsage)
	assert.ErrorIs(t, h.kdyn(t, "get", "cm", "-o", "table").err, errUsage)
	assert.ErrorContains(t, h.kdyn(t, "get", "cm", "x", "-A").err, "across all namespaces")
}

// TestGetCategory reads "all": every resource in the category, each table
// with its kind before the names.
func TestGetCategory(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	h.must(t, "apply", "-f", writeTemp(t, "crd.yaml", cronTabCRD+"---\n"+cronTab("nightly")))
	out := h.must(t, "get", "all")
	assert.Contains(t, out, "crontab.stable.example.com/nightly")
	assert.Equal(t, "nightly", strings.Fields(h.must(t, "get", "ct"))[2])
}
