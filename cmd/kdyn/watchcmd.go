package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
)

func init() {
	commands["watch"] = command{
		summary: "print the changes to resources as they happen, until interrupted",
		run:     watchCmd,
	}
}

// watchCmd runs "kdyn watch RESOURCE [NAME] [-n NS | -A] [-l SELECTOR] [--timeout D]".
func watchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("watch", "RESOURCE [NAME] [-n NS | -A] [-l SELECTOR] [--timeout DURATION]", stderr)
	var lf listFlags
	lf.register(fs)
	timeout := fs.Duration("timeout", 0, "stop after this long (0: until interrupted)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageError(fs, "want a resource and at most one name")
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
	if len(targets) != 1 {
		return fmt.Errorf("%q names %d resource types; watch needs exactly one", pos[0], len(targets))
	}
	opts := metav1.ListOptions{LabelSelector: lf.selector}
	if len(pos) == 2 {
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", pos[1]).String()
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	w := s.resource(targets[0], lf.namespace(s)).ResumingWatch(ctx, opts)
	defer w.Stop()
	return printEvents(ctx, stdout, w, lf.allNamespaces)
}

// printEvents prints "TYPE name" (or "TYPE namespace/name") lines until ctx
// is done, which is a normal end, or the watch fails.
func printEvents(ctx context.Context, w io.Writer, wi watch.Interface, withNamespace bool) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-wi.ResultChan():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("the watch ended")
			}
			if err := printEvent(w, ev, withNamespace); err != nil {
				return err
			}
		}
	}
}

func printEvent(w io.Writer, ev watch.Event, withNamespace bool) error {
	switch ev.Type {
	case watch.Bookmark:
		return nil
	case watch.Error:
		return apierrors.FromObject(ev.Object)
	case dynamic.Gone:
		return errors.New("the server no longer has the resourceVersion to resume from (410 Gone); watch again")
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("unexpected %s event object %T", ev.Type, ev.Object)
	}
	name := u.GetName()
	if withNamespace && u.GetNamespace() != "" {
		name = u.GetNamespace() + "/" + name
	}
	_, err := fmt.Fprintf(w, "%s %s\n", ev.Type, name)
	return err
}
