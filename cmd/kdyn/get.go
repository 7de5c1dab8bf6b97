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

// get runs "kdyn get RESOURCE [NAME...] [-o yaml|json|name] [-A] [-l SELECTOR]".
func get(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("get", "RESOURCE[,RESOURCE...] [NAME...] [-o yaml|json|name] [-n NS | -A] [-l SELECTOR]", stderr)
	var lf listFlags
	lf.register(fs)
	var output string
	fs.StringVar(&output, "o", "", `output format: "" (the server's table), yaml, json or name`)
	fs.StringVar(&output, "output", "", "same as -o")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || !slices.Contains([]string{"", "yaml", "json", "name"}, output) {
		return usageError(fs, "want a resource and an output format of yaml, json or name")
	}
	if lf.allNamespaces && len(pos) > 1 {
		return errors.New("an object cannot be read by name across all namespaces")
	}
	s, err := lf.connect()
	if err != nil {
		return err
	}
	defer s.close()
	targets, err := s.resolve(ctx, pos[0])
	if err != nil {
		return err
	}
	if len(pos) > 1 && len(targets) > 1 {
		return fmt.Errorf("%q names %d resource types; reading by name needs exactly one", pos[0], len(targets))
	}
	q := query{s: s, ns: lf.namespace(s), names: pos[1:], selector: lf.selector}
	if output == "" {
		return q.printTables(ctx, stdout, stderr, targets)
	}
	return q.printObjects(ctx, stdout, output, targets)
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

// printObjects prints as yaml, json or name.
func (q query) printObjects(ctx context.Context, w io.Writer, format string, targets []target) error {
	var all []*unstructured.Unstructured
	for _, t := range targets {
		objs, err := q.objects(ctx, t)
		if err != nil {
			return err
		}
		all = append(all, objs...)
	}
	if format == "name" {
		for _, o := range all {
			fmt.Fprintln(w, objectRef(o))
		}
		return nil
	}
	var doc any
	if len(q.names) == 1 && len(all) == 1 {
		doc = all[0].Object
	} else {
		items := make([]any, len(all))
		for i, o := range all {
			items[i] = o.Object
		}
		doc = map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
	}
	return printDoc(w, format, doc)
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
