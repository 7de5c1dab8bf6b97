package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/fixture"
)

// gadgetsCRD has printer columns, which only a recorded CRD brings along:
// discovery does not list them.
const gadgetsCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.test.kdyn.dev
spec:
  group: test.kdyn.dev
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
              size: {type: integer}
              color: {type: string}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
`

// TestRecordCRDs: kdyn record writes the cluster's CRDs into objects/, and
// a server of the recording serves them with their printer columns.
func TestRecordCRDs(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, os.CopyFS(src, os.DirFS(filepath.Join(clustersDir, "k8s-1.37"))))
	require.NoError(t, os.MkdirAll(filepath.Join(src, "objects"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "objects", "gadgets.yaml"), []byte(gadgetsCRD), 0o600))
	c, err := fixture.Load(src)
	require.NoError(t, err)
	h := newHarness(t, c)

	out := filepath.Join(t.TempDir(), "rec")
	stdout := h.must(t, "record", "--out", out)
	assert.Contains(t, stdout, "objects/customresourcedefinitions.yaml: 1 CRDs")
	raw, err := os.ReadFile(filepath.Join(out, "objects", "customresourcedefinitions.yaml"))
	require.NoError(t, err)
	var crd unstructured.Unstructured
	require.NoError(t, yaml.Unmarshal(raw, &crd.Object))
	assert.Equal(t, "CustomResourceDefinition", crd.GetKind())
	assert.Equal(t, "gadgets.test.kdyn.dev", crd.GetName())
	assert.Empty(t, crd.GetResourceVersion(), "the recorded cluster's storage is not recorded")
	assert.Empty(t, crd.GetManagedFields())
	assert.NotEmpty(t, crd.GetUID())

	e := serveForKubectl(t, out)
	e.must(t, "create", "-f", writeTemp(t, "g.yaml", "apiVersion: test.kdyn.dev/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {size: 3, color: red}\n"))
	lines := strings.Split(strings.TrimSpace(e.must(t, "get", "gadgets")), "\n")
	require.Len(t, lines, 2)
	// The CRD's columns replace the default AGE, as on the API server.
	assert.Equal(t, []string{"NAME", "SIZE", "COLOR"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"g", "3", "red"}, strings.Fields(lines[1]))
	assert.Contains(t, e.must(t, "get", "crd", "-o", "name"), "customresourcedefinition.apiextensions.k8s.io/gadgets.test.kdyn.dev")
}

// TestRecordNoCRDs: a cluster without CRDs records no objects file.
func TestRecordNoCRDs(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	out := filepath.Join(t.TempDir(), "rec")
	h.must(t, "record", "--out", out)
	_, err := os.Stat(filepath.Join(out, "objects"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
