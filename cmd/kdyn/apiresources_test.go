package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/fixture"
)

// servedNames is every top-level resource c serves, once per group, as
// resource.group: what api-resources -o name prints.
func servedNames(t *testing.T, c *fixture.Cluster) []string {
	t.Helper()
	var out []string
	for _, name := range c.DocNames() {
		parts := strings.Split(name, "/")
		if !(parts[0] == "api" && len(parts) == 2) && !(parts[0] == "apis" && len(parts) == 3) {
			continue
		}
		doc, _ := c.Doc(name)
		var l metav1.APIResourceList
		require.NoError(t, json.Unmarshal(doc.Body, &l), name)
		group := ""
		if parts[0] == "apis" {
			group = "." + parts[1]
		}
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				out = append(out, r.Name+group)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedFields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}

func TestAPIResources(t *testing.T) {
	for _, name := range []string{"k3s-v1.25.0", "kubernetes-1.36-dev"} {
		t.Run(name, func(t *testing.T) {
			c := loadRecorded(t, name)
			h := newHarness(t, c)
			assert.Equal(t, servedNames(t, c), sortedFields(h.must(t, "api-resources", "-o", "name")))

			table := strings.Split(strings.TrimSpace(h.must(t, "api-resources")), "\n")
			assert.Equal(t, []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}, strings.Fields(table[0]))
			assert.Len(t, table, len(servedNames(t, c))+1)
			assert.Equal(t, []string{"bindings", "v1", "true", "Binding"}, strings.Fields(table[1]), "core first, then by name")
			assert.Equal(t, []string{"deployments", "deploy", "apps/v1", "true", "Deployment"}, strings.Fields(findLine(table, "deployments ")))
		})
	}
}

func findLine(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestAPIResourcesErrors(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	assert.ErrorIs(t, h.kdyn(t, "api-resources", "extra").err, errUsage)
	assert.ErrorIs(t, h.kdyn(t, "api-resources", "-o", "yaml").err, errUsage)
	r := runCommand(t.Context(), "api-resources", "--kubeconfig", "/nonexistent/kubeconfig")
	assert.Error(t, r.err)
}

// TestAPIResourcesTLS reads a kubeconfig that carries the server's CA.
func TestAPIResourcesTLS(t *testing.T) {
	c := loadRecorded(t, "k3s-v1.21")
	h := newHarness(t, c, fixture.WithTLS())
	assert.Equal(t, servedNames(t, c), sortedFields(h.must(t, "api-resources", "-o", "name")))
}
