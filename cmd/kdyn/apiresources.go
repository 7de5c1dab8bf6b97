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
	"github.com/kdyn/kdyn/fleet"
)

func init() {
	commands["api-resources"] = command{
		summary: "list the resources the server serves, in their preferred versions",
		run:     apiResources,
	}
}

// apiResources runs "kdyn api-resources [-o name] [--contexts A,B | --all-contexts]".
func apiResources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("api-resources", "[-o name] [--kubeconfig FILE] [--context NAME | --contexts A,B | --all-contexts]", stderr)
	var cf clusterFlags
	cf.register(fs)
	var xf contextFlags
	xf.register(fs)
	output := fs.String("o", "", `output format: "" (a table) or "name" (resource.group)`)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || (*output != "" && *output != "name") {
		return usageError(fs, "unexpected arguments or output format")
	}
	if err := xf.check(fs, &cf); err != nil {
		return err
	}
	res, err := onClusters(ctx, &cf, &xf, func(ctx context.Context, s *session) ([]apiResourceRow, error) {
		lists, err := s.discovery.PreferredResources(ctx)
		if err != nil && !errors.As(err, new(*discovery.PartialError)) {
			return nil, err
		}
		return apiResourceRows(lists), err
	})
	if err != nil {
		return err
	}
	var partial []string
	for _, r := range res {
		var p *discovery.PartialError
		if errors.As(r.Err, &p) {
			fmt.Fprintf(stderr, "warning: %s%v\n", contextPrefix(r.Cluster), p)
			partial = append(partial, fmt.Sprintf("%s%d group-versions could not be discovered", contextPrefix(r.Cluster), len(p.Failed)))
		}
	}
	printAPIResources(stdout, res, *output == "name")
	if err := failures(stderr, withoutPartial(res)); err != nil {
		return err
	}
	if len(partial) > 0 {
		return errors.New(strings.Join(partial, "; "))
	}
	return nil
}

// contextPrefix is `context "name": ` for a named cluster.
func contextPrefix(cluster string) string {
	if cluster == "" {
		return ""
	}
	return fmt.Sprintf("context %q: ", cluster)
}

// withoutPartial drops the errors of clusters that answered in part: their
// rows are printed and their failed groups warned about.
func withoutPartial[T any](res []fleet.Result[T]) []fleet.Result[T] {
	out := slices.Clone(res)
	for i := range out {
		if errors.As(out[i].Err, new(*discovery.PartialError)) {
			out[i].Err = nil
		}
	}
	return out
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

// printAPIResources prints the rows of the clusters that answered: as
// kubectl's table, with a CLUSTER column first for several clusters, or
// as names.
func printAPIResources(w io.Writer, res []fleet.Result[[]apiResourceRow], names bool) {
	multi := len(res) > 1 || len(res) == 1 && res[0].Cluster != ""
	tw := newTabWriter(w)
	if !names {
		header := "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
		if multi {
			header = "CLUSTER\t" + header
		}
		fmt.Fprintln(tw, header)
	}
	for _, cr := range res {
		if cr.Err != nil {
			continue
		}
		for _, r := range cr.Value {
			prefix := ""
			if multi {
				prefix = cr.Cluster + "\t"
			}
			if names {
				if multi {
					prefix = cr.Cluster + " "
				}
				fmt.Fprintf(tw, "%s%s\n", prefix, r.qualifiedName())
				continue
			}
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%t\t%s\n", prefix, r.r.Name, strings.Join(r.r.ShortNames, ","), r.gv.String(), r.r.Namespaced, r.r.Kind)
		}
	}
	_ = tw.Flush()
}

// newTabWriter aligns columns the way kubectl's printers do: cells at
// least 6 wide, 3 spaces between columns.
func newTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
}
