package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fleet"
)

func podTable(rows ...[]any) *metav1.Table {
	tab := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Name", Format: "name"}, {Name: "Status"}, {Name: "IP", Priority: 1}, {Name: "Node", Priority: 1},
	}}
	for _, cells := range rows {
		tab.Rows = append(tab.Rows, metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Raw: []byte(`{"metadata":{"namespace":"ns"}}`)}})
	}
	return tab
}

// TestPrintTables: columns of priority above 0 only with wide; a CLUSTER
// column for several clusters, whose rows share a table when their
// columns agree; nil cells as <none>.
func TestPrintTables(t *testing.T) {
	pods := target{gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, kind: "Pod", namespaced: true}
	one := fleet.Result[*reading]{Value: &reading{ns: "", targets: []target{pods}, tables: []*metav1.Table{podTable([]any{"a", "Running", "10.0.0.1", nil})}}}
	for _, tc := range []struct {
		name string
		res  []fleet.Result[*reading]
		wide bool
		want string
	}{
		{"narrow", []fleet.Result[*reading]{one}, false, "NAMESPACE   NAME   STATUS\nns          a      Running\n"},
		{"wide", []fleet.Result[*reading]{one}, true, "NAMESPACE   NAME   STATUS    IP         NODE\nns          a      Running   10.0.0.1   <none>\n"},
		{"clusters", []fleet.Result[*reading]{
			{Cluster: "x", Value: one.Value},
			{Cluster: "y", Err: assert.AnError},
			{Cluster: "z", Value: &reading{ns: "", targets: []target{pods}, tables: []*metav1.Table{podTable([]any{"b", "Pending", nil, nil})}}},
		}, false, "CLUSTER   NAMESPACE   NAME   STATUS\nx         ns          a      Running\nz         ns          b      Pending\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			printTables(&out, &errs, tc.res, tc.wide)
			assert.Equal(t, tc.want, out.String())
			assert.Empty(t, errs.String())
		})
	}

	other := podTable([]any{"c", "Running", "10.0.0.3", "n1"})
	other.ColumnDefinitions[1].Name = "Phase"
	var out bytes.Buffer
	printTables(&out, &out, []fleet.Result[*reading]{{Cluster: "x", Value: one.Value},
		{Cluster: "old", Value: &reading{ns: "", targets: []target{pods}, tables: []*metav1.Table{other}}}}, false)
	assert.Equal(t, "CLUSTER   NAMESPACE   NAME   STATUS\nx         ns          a      Running\n\n"+
		"CLUSTER   NAMESPACE   NAME   PHASE\nold       ns          c      Running\n", out.String(), "other columns, another table")
}
