package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
)

func init() {
	commands["api-resources"] = command{
		summary: "list the resources the server serves, in their preferred versions",
		run:     apiResources,
	}
}

// apiResources runs "kdyn api-resources [-o name]".
func apiResources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("api-resources", "[-o name] [--kubeconfig FILE] [--context NAME]", stderr)
	var cf clusterFlags
	cf.register(fs)
	output := fs.String("o", "", `output format: "" (a table) or "name" (resource.group)`)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || (*output != "" && *output != "name") {
		return usageError(fs, "unexpected arguments or output format")
	}
	s, err := cf.connect()
	if err != nil {
		return err
	}
	defer s.close()
	lists, err := s.discovery.PreferredResources(ctx)
	var partial *discovery.PartialError
	if errors.As(err, &partial) {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	} else if err != nil {
		return err
	}
	rows := apiResourceRows(lists)
	if *output == "name" {
		for _, r := range rows {
			fmt.Fprintln(stdout, r.qualifiedName())
		}
	} else {
		printAPIResources(stdout, rows)
	}
	if partial != nil {
		return fmt.Errorf("%d group-versions could not be discovered", len(partial.Failed))
	}
	return nil
}

// apiResourceRow is one resource of api-resources.
type apiResourceRow struct {
	gv schema.GroupVersion
	r  metav1.APIResource
}

func (r apiResourceRow) qualifiedName() string {
	if r.gv.Group == "" {
		return r.r.Name
	}
	return r.r.Name + "." + r.gv.Group
}

// apiResourceRows flattens lists into rows ordered as kubectl orders them:
// by group (the core group first), then by name.
func apiResourceRows(lists []*metav1.APIResourceList) []apiResourceRow {
	var rows []apiResourceRow
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				rows = append(rows, apiResourceRow{gv: gv, r: r})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b apiResourceRow) int {
		return cmp.Or(cmp.Compare(a.gv.Group, b.gv.Group), cmp.Compare(a.r.Name, b.r.Name))
	})
	return rows
}

func printAPIResources(w io.Writer, rows []apiResourceRow) {
	tw := newTabWriter(w)
	fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", r.r.Name, strings.Join(r.r.ShortNames, ","), r.gv.String(), r.r.Namespaced, r.r.Kind)
	}
	_ = tw.Flush()
}

// newTabWriter aligns columns the way kubectl's printers do.
func newTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 10, 4, 3, ' ', 0)
}
