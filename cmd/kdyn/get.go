package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/fleet"
)

func init() {
	commands["get"] = command{
		summary: "print resources as the server's table, or as YAML or JSON",
		run:     get,
	}
}

// listFlags are the flags of commands that read many objects.
type listFlags struct {
	clusterFlags
	allNamespaces bool
	selector      string
}

func (f *listFlags) register(fs *flag.FlagSet) {
	f.clusterFlags.register(fs)
	fs.BoolVar(&f.allNamespaces, "A", false, "across all namespaces")
	fs.BoolVar(&f.allNamespaces, "all-namespaces", false, "across all namespaces")
	fs.StringVar(&f.selector, "l", "", "label selector, e.g. app=web")
	fs.StringVar(&f.selector, "selector", "", "label selector, e.g. app=web")
}

// namespace is the namespace to read in: "" across all of them with -A.
func (f *listFlags) namespace(s *session) string {
	if f.allNamespaces {
		return ""
	}
	return s.namespace
}

// outputs are get's output formats: "" and "wide" are the server's table.
var outputs = []string{"", "wide", "yaml", "json", "name"}

// get runs "kdyn get RESOURCE [NAME...] [-o wide|yaml|json|name] [-A] [-l SELECTOR]
// [--contexts A,B | --all-contexts]".
func get(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("get", "RESOURCE[,RESOURCE...] [NAME...] [-o wide|yaml|json|name] [-n NS | -A] [-l SELECTOR] [--contexts A,B | --all-contexts]", stderr)
	var lf listFlags
	lf.register(fs)
	var xf contextFlags
	xf.register(fs)
	var output string
	fs.StringVar(&output, "o", "", `output format: "" (the server's table), wide (with every column), yaml, json or name`)
	fs.StringVar(&output, "output", "", "same as -o")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || !slices.Contains(outputs, output) {
		return usageError(fs, "want a resource and an output format of wide, yaml, json or name")
	}
	if err := xf.check(fs, &lf.clusterFlags); err != nil {
		return err
	}
	if lf.allNamespaces && len(pos) > 1 {
		return errors.New("an object cannot be read by name across all namespaces")
	}
	tables := output == "" || output == "wide"
	res, err := onClusters(ctx, &lf.clusterFlags, &xf, func(ctx context.Context, s *session) (*reading, error) {
		return read(ctx, s, query{s: s, ns: lf.namespace(s), names: pos[1:], selector: lf.selector}, pos[0], tables)
	})
	if err != nil {
		return err
	}
	if tables {
		printTables(stdout, stderr, res, output == "wide")
	} else if err := printObjects(stdout, output, res, len(pos) == 2); err != nil {
		return err
	}
	return failures(stderr, res)
}

// reading is what get read in one cluster: per resource type, its table
// or its objects.
type reading struct {
	ns      string // "" across all namespaces
	targets []target
	tables  []*metav1.Table                // by target, when tables were read
	objects [][]*unstructured.Unstructured // by target, otherwise
}

// read resolves arg and reads its objects, as tables or as objects.
func read(ctx context.Context, s *session, q query, arg string, tables bool) (*reading, error) {
	targets, err := s.resolve(ctx, arg)
	if err != nil {
		return nil, err
	}
	if len(q.names) > 0 && len(targets) > 1 {
		return nil, fmt.Errorf("%q names %d resource types; reading by name needs exactly one", arg, len(targets))
	}
	r := &reading{ns: q.ns, targets: targets}
	for _, t := range targets {
		if tables {
			tab, err := q.table(ctx, t)
			if err != nil {
				return nil, err
			}
			r.tables = append(r.tables, tab)
			continue
		}
		objs, err := q.objects(ctx, t)
		if err != nil {
			return nil, err
		}
		r.objects = append(r.objects, objs)
	}
	return r, nil
}

// query is what get reads: objects by name, or lists narrowed by a
// selector, in one namespace or ("") all of them.
type query struct {
	s        *session
	ns       string
	names    []string
	selector string
}

// objects reads t's objects.
func (q query) objects(ctx context.Context, t target) ([]*unstructured.Unstructured, error) {
	r := q.s.resource(t, q.ns)
	if len(q.names) == 0 {
		l, err := r.List(ctx, metav1.ListOptions{LabelSelector: q.selector})
		if err != nil {
			return nil, err
		}
		out := make([]*unstructured.Unstructured, len(l.Items))
		for i := range l.Items {
			out[i] = withKind(&l.Items[i], t)
		}
		return out, nil
	}
	var out []*unstructured.Unstructured
	for _, name := range q.names {
		o, err := r.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		out = append(out, withKind(o, t))
	}
	return out, nil
}

// withKind sets the apiVersion and kind that list items of built-in types
// come without.
func withKind(o *unstructured.Unstructured, t target) *unstructured.Unstructured {
	if o.GetKind() == "" {
		o.SetGroupVersionKind(t.gvr.GroupVersion().WithKind(t.kind))
	}
	return o
}

// printObjects prints as yaml, json or name. From several clusters, yaml
// and json print one document that maps each context to its List, and
// name prints each object's context before its name.
func printObjects(w io.Writer, format string, res []fleet.Result[*reading], byName bool) error {
	if len(res) == 1 && res[0].Cluster == "" {
		if res[0].Err != nil {
			return nil // failures reports it
		}
		return printReading(w, format, res[0].Value, byName)
	}
	if format == "name" {
		for _, r := range res {
			if r.Err == nil {
				for _, o := range r.Value.all() {
					fmt.Fprintf(w, "%s %s\n", r.Cluster, objectRef(o))
				}
			}
		}
		return nil
	}
	doc := map[string]any{}
	for _, r := range res {
		if r.Err == nil {
			doc[r.Cluster] = listDoc(r.Value.all())
		}
	}
	return printDoc(w, format, doc)
}

// all is every object read, in target order.
func (r *reading) all() []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, objs := range r.objects {
		out = append(out, objs...)
	}
	return out
}

// printReading prints one cluster's objects as kubectl does: one object
// read by name alone, else a List.
func printReading(w io.Writer, format string, r *reading, byName bool) error {
	all := r.all()
	if format == "name" {
		for _, o := range all {
			fmt.Fprintln(w, objectRef(o))
		}
		return nil
	}
	if byName && len(all) == 1 {
		return printDoc(w, format, all[0].Object)
	}
	return printDoc(w, format, listDoc(all))
}

// listDoc is kubectl's List of objs.
func listDoc(objs []*unstructured.Unstructured) map[string]any {
	items := make([]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
}

// printDoc prints doc as YAML or, like kubectl, as JSON indented by 4.
func printDoc(w io.Writer, format string, doc any) error {
	var b []byte
	var err error
	if format == "yaml" {
		b, err = yaml.Marshal(doc)
	} else {
		b, err = json.MarshalIndent(doc, "", "    ")
		b = append(b, '\n')
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// objectRef is kubectl's name for an object: "deployment.apps/web", "pod/x".
func objectRef(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		kind += "." + gvk.Group
	}
	return kind + "/" + o.GetName()
}
