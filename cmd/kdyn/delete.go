package main

import (
	"context"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	commands["delete"] = command{
		summary: "delete objects by resource and name, or those of YAML or JSON files",
		run:     deleteCmd,
	}
}

// deleteCmd runs "kdyn delete RESOURCE NAME..." or "kdyn delete -f FILE|-".
func deleteCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("delete", "RESOURCE NAME... | -f FILE|- [-n NS]", stderr)
	var cf clusterFlags
	cf.register(fs)
	var files stringList
	fs.Var(&files, "f", `file of objects to delete, "-" for standard input; may be repeated`)
	fs.Var(&files, "filename", "same as -f")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if (len(files) == 0) == (len(pos) < 2) || (len(files) > 0 && len(pos) > 0) {
		return usageError(fs, "want either RESOURCE NAME... or -f FILE")
	}
	s, err := cf.connect()
	if err != nil {
		return err
	}
	defer s.close()
	if len(files) > 0 {
		return s.deleteFiles(ctx, stdout, files)
	}
	return s.deleteNamed(ctx, stdout, pos[0], pos[1:])
}

func (s *session) deleteNamed(ctx context.Context, w io.Writer, resource string, names []string) error {
	targets, err := s.resolve(ctx, resource)
	if err != nil {
		return err
	}
	if len(targets) != 1 {
		return fmt.Errorf("%q names %d resource types; deleting by name needs exactly one", resource, len(targets))
	}
	t := targets[0]
	r := s.resource(t, s.namespace)
	for _, name := range names {
		if err := r.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %q deleted\n", kindRef(t), name)
	}
	return nil
}

func (s *session) deleteFiles(ctx context.Context, w io.Writer, files []string) error {
	objs, err := readManifestFiles(files)
	if err != nil {
		return err
	}
	for _, o := range objs {
		r, err := s.forObject(ctx, o)
		if err != nil {
			return fmt.Errorf("%s: %w", objectRef(o), err)
		}
		if err := r.Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s deleted\n", objectRef(o))
	}
	return nil
}
