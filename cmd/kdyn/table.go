package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/fleet"
)

// printTables prints each resource type's objects as the server's Table:
// the columns of priority 0 (every column when wide), a NAMESPACE column
// first across namespaces, and names prefixed with their kind when several
// kinds are printed. From several clusters, a CLUSTER column comes first
// and each resource type's rows of every cluster share one table, as long
// as the clusters' servers give it the same columns.
func printTables(w, stderr io.Writer, res []fleet.Result[*reading], wide bool) {
	multi := len(res) > 1 || len(res) == 1 && res[0].Cluster != ""
	groups := tablesByKind(res)
	printed := false
	for _, g := range groups {
		for _, part := range g.byColumns(wide) {
			if printed {
				fmt.Fprintln(w)
			}
			prefix := ""
			if len(groups) > 1 {
				prefix = kindRef(g.t) + "/"
			}
			printTable(w, part, tableStyle{cluster: multi, namespace: g.allNamespaces && g.t.namespaced, wide: wide, namePrefix: prefix})
			printed = true
		}
	}
	if !printed && anyRead(res) {
		fmt.Fprintln(stderr, noResources(res))
	}
}

// clusterTable is one cluster's table of one resource type.
type clusterTable struct {
	cluster string
	tab     *metav1.Table
}

// kindTables is one resource type's tables, one per cluster that has rows.
type kindTables struct {
	t             target
	allNamespaces bool
	tables        []clusterTable
}

// tablesByKind groups the clusters' tables by resource type (kind and
// group, whatever the version), in the order the types first appear.
func tablesByKind(res []fleet.Result[*reading]) []*kindTables {
	var out []*kindTables
	byKey := map[string]*kindTables{}
	for _, r := range res {
		if r.Err != nil {
			continue
		}
		for i, t := range r.Value.targets {
			key := kindRef(t)
			g, ok := byKey[key]
			if !ok {
				g = &kindTables{t: t, allNamespaces: r.Value.ns == ""}
				byKey[key] = g
				out = append(out, g)
			}
			if tab := r.Value.tables[i]; tab != nil && len(tab.Rows) > 0 {
				g.tables = append(g.tables, clusterTable{cluster: r.Cluster, tab: tab})
			}
		}
	}
	return out
}

// byColumns splits g's tables into runs that print the same columns.
func (g *kindTables) byColumns(wide bool) [][]clusterTable {
	var out [][]clusterTable
	var keys []string
	for _, ct := range g.tables {
		key := strings.Join(columnNames(ct.tab, wide), "\x00")
		i := slices.Index(keys, key)
		if i < 0 {
			keys, out = append(keys, key), append(out, nil)
			i = len(out) - 1
		}
		out[i] = append(out[i], ct)
	}
	return out
}

// anyRead reports whether some cluster answered.
func anyRead(res []fleet.Result[*reading]) bool {
	return slices.ContainsFunc(res, func(r fleet.Result[*reading]) bool { return r.Err == nil })
}

// noResources is kubectl's message for an empty answer; it names the
// namespace when every cluster read the same one.
func noResources(res []fleet.Result[*reading]) string {
	ns := "\x00"
	for _, r := range res {
		switch {
		case r.Err != nil:
		case ns == "\x00":
			ns = r.Value.ns
		case ns != r.Value.ns:
			ns = ""
		}
	}
	if ns == "" || ns == "\x00" {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}

// kindRef is "deployment.apps" for a target.
func kindRef(t target) string {
	k := strings.ToLower(t.kind)
	if t.gvr.Group != "" {
		k += "." + t.gvr.Group
	}
	return k
}

// table reads t's Table: of each name, or of the list.
func (q query) table(ctx context.Context, t target) (*metav1.Table, error) {
	r := q.s.resource(t, q.ns)
	if len(q.names) == 0 {
		return r.Table(ctx, "", metav1.ListOptions{LabelSelector: q.selector})
	}
	var all *metav1.Table
	for _, name := range q.names {
		tab, err := r.Table(ctx, name, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = tab
		} else {
			all.Rows = append(all.Rows, tab.Rows...)
		}
	}
	return all, nil
}

// tableStyle says which columns printTable adds and keeps.
type tableStyle struct {
	cluster    bool   // a CLUSTER column first
	namespace  bool   // a NAMESPACE column, from the rows' objects
	wide       bool   // every column, not only those of priority 0
	namePrefix string // before each name ("deployment.apps/")
}

// columns returns the indexes of the columns tab prints.
func (st tableStyle) columns(tab *metav1.Table) []int {
	var cols []int
	for i, c := range tab.ColumnDefinitions {
		if c.Priority == 0 || st.wide {
			cols = append(cols, i)
		}
	}
	return cols
}

// columnNames are the headers of the columns tab prints.
func columnNames(tab *metav1.Table, wide bool) []string {
	var names []string
	for _, i := range (tableStyle{wide: wide}).columns(tab) {
		names = append(names, strings.ToUpper(tab.ColumnDefinitions[i].Name))
	}
	return names
}

// printTable prints tables that have the same columns as one.
func printTable(w io.Writer, tables []clusterTable, st tableStyle) {
	tw := newTabWriter(w)
	var header []string
	if st.cluster {
		header = append(header, "CLUSTER")
	}
	if st.namespace {
		header = append(header, "NAMESPACE")
	}
	header = append(header, columnNames(tables[0].tab, st.wide)...)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, ct := range tables {
		cols := st.columns(ct.tab)
		for _, row := range ct.tab.Rows {
			var cells []string
			if st.cluster {
				cells = append(cells, ct.cluster)
			}
			if st.namespace {
				cells = append(cells, rowNamespace(row))
			}
			for _, i := range cols {
				cell := cellString(row, i)
				if ct.tab.ColumnDefinitions[i].Format == "name" {
					cell = st.namePrefix + cell
				}
				cells = append(cells, cell)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
	}
	_ = tw.Flush()
}

func cellString(row metav1.TableRow, i int) string {
	if i >= len(row.Cells) || row.Cells[i] == nil {
		return "<none>"
	}
	return fmt.Sprint(row.Cells[i])
}

// rowNamespace reads the namespace from the row's object metadata.
func rowNamespace(row metav1.TableRow) string {
	var m metav1.PartialObjectMetadata
	if len(row.Object.Raw) == 0 || json.Unmarshal(row.Object.Raw, &m) != nil {
		return "<unknown>"
	}
	return m.Namespace
}
