package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// printTables prints each target's objects as the server's Table: the
// columns of priority 0, a NAMESPACE column first across namespaces, and
// names prefixed with their kind when several kinds are printed.
func (q query) printTables(ctx context.Context, w io.Writer, stderr io.Writer, targets []target) error {
	printed := false
	for _, t := range targets {
		tab, err := q.table(ctx, t)
		if err != nil {
			return err
		}
		if len(tab.Rows) == 0 {
			continue
		}
		if printed {
			fmt.Fprintln(w)
		}
		prefix := ""
		if len(targets) > 1 {
			prefix = kindRef(t) + "/"
		}
		printTable(w, tab, q.ns == "" && t.namespaced, prefix)
		printed = true
	}
	if !printed {
		fmt.Fprintln(stderr, noResources(q.ns))
	}
	return nil
}

func noResources(ns string) string {
	if ns == "" {
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

func printTable(w io.Writer, tab *metav1.Table, withNamespace bool, namePrefix string) {
	tw := newTabWriter(w)
	var cols []int
	var header []string
	if withNamespace {
		header = append(header, "NAMESPACE")
	}
	for i, c := range tab.ColumnDefinitions {
		if c.Priority == 0 {
			cols = append(cols, i)
			header = append(header, strings.ToUpper(c.Name))
		}
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range tab.Rows {
		var cells []string
		if withNamespace {
			cells = append(cells, rowNamespace(row))
		}
		for _, i := range cols {
			cell := cellString(row, i)
			if tab.ColumnDefinitions[i].Format == "name" {
				cell = namePrefix + cell
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
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
