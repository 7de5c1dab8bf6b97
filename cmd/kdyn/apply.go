package main

import (
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kdyn/kdyn/dynamic"
)

func init() {
	commands["apply"] = command{
		summary: "server-side apply the objects of YAML or JSON files",
		run:     apply,
	}
}

// apply runs "kdyn apply -f FILE|- [--field-manager NAME] [--force-conflicts]".
func apply(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("apply", "-f FILE|- [-f ...] [--field-manager NAME] [--force-conflicts] [-n NS]", stderr)
	var cf clusterFlags
	cf.register(fs)
	var files stringList
	fs.Var(&files, "f", `file of objects to apply, "-" for standard input; may be repeated`)
	fs.Var(&files, "filename", "same as -f")
	manager := fs.String("field-manager", "kdyn", "the field manager the server records for the applied fields")
	force := fs.Bool("force-conflicts", false, "take over fields other managers own instead of failing")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || len(files) == 0 {
		return usageError(fs, "want -f FILE and no arguments")
	}
	objs, err := readManifestFiles(files)
	if err != nil {
		return err
	}
	s, err := cf.connect()
	if err != nil {
		return err
	}
	defer s.close()
	opts := metav1.ApplyOptions{FieldManager: *manager, Force: *force}
	for _, o := range objs {
		if err := s.applyOne(ctx, o, opts); err != nil {
			return fmt.Errorf("%s: %w", objectRef(o), err)
		}
		fmt.Fprintf(stdout, "%s serverside-applied\n", objectRef(o))
	}
	return nil
}

// applyOne applies o through the mapper, so that the kinds of CRDs applied
// earlier in the same run are found: a kind the mapper does not know makes
// it refresh discovery once.
func (s *session) applyOne(ctx context.Context, o *unstructured.Unstructured, opts metav1.ApplyOptions) error {
	r, err := s.forObject(ctx, o)
	if err != nil {
		return err
	}
	_, err = r.Apply(ctx, o.GetName(), o, opts)
	return err
}

// forObject resolves o's kind and puts a namespaced object without a
// namespace into the session's.
func (s *session) forObject(ctx context.Context, o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := o.GroupVersionKind()
	if _, err := s.mapped.ForKind(ctx, gvk); err != nil {
		return nil, err
	}
	m, err := s.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace && o.GetNamespace() == "" {
		o.SetNamespace(s.namespace)
	}
	return s.mapped.ForObject(ctx, o)
}
