package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kdyn/kdyn/fleet"
	"github.com/kdyn/kdyn/rest"
)

// contextFlags select several kubeconfig contexts at once, for the
// commands that read (get, api-resources): each context's answer is
// printed with a CLUSTER column.
type contextFlags struct {
	contexts    string
	allContexts bool
	timeout     time.Duration
}

// defaultContextTimeout bounds each context's work when several are read,
// so that one that hangs does not hold back the others' output forever.
const defaultContextTimeout = 30 * time.Second

func (f *contextFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.contexts, "contexts", "", "comma-separated kubeconfig contexts to read, each in a CLUSTER column")
	fs.BoolVar(&f.allContexts, "all-contexts", false, "read every context of the kubeconfig, each in a CLUSTER column")
	fs.DurationVar(&f.timeout, "request-timeout", 0,
		fmt.Sprintf("give up on a cluster after this long (default: none for one context, %v each for several)", defaultContextTimeout))
}

// multi reports whether several contexts are read.
func (f *contextFlags) multi() bool { return f.contexts != "" || f.allContexts }

// check refuses flags that contradict each other.
func (f *contextFlags) check(fs *flag.FlagSet, cf *clusterFlags) error {
	switch {
	case f.contexts != "" && f.allContexts:
		return usageError(fs, "--contexts and --all-contexts exclude each other")
	case f.multi() && cf.context != "":
		return usageError(fs, "--context names one context; --contexts and --all-contexts several")
	case f.contexts != "" && len(splitList(f.contexts)) == 0:
		return usageError(fs, "--contexts names no context")
	}
	return nil
}

// onClusters runs fn in the cluster the flags name, or, with --contexts or
// --all-contexts, in each of those contexts at once. Results come in the
// order the contexts were named (sorted for --all-contexts); with one
// cluster there is one result, whose Cluster is "". Its error is for what
// concerns every cluster (an unreadable kubeconfig); a context that cannot
// be loaded or reached has its own error in its result.
func onClusters[T any](ctx context.Context, cf *clusterFlags, xf *contextFlags, fn func(context.Context, *session) (T, error)) ([]fleet.Result[T], error) {
	if !xf.multi() {
		s, err := cf.connect()
		if err != nil {
			return nil, err
		}
		defer s.close()
		if xf.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, xf.timeout)
			defer cancel()
		}
		v, err := fn(ctx, s)
		return []fleet.Result[T]{{Value: v, Err: err}}, nil
	}
	all, err := rest.LoadKubeconfigContexts(cf.kubeconfig)
	if err != nil {
		return nil, err
	}
	names := all.Names
	if xf.contexts != "" {
		names = splitList(xf.contexts)
	}
	timeout := xf.timeout
	if timeout == 0 {
		timeout = defaultContextTimeout
	}
	f := fleet.New(fleet.Options{EachTimeout: timeout})
	failed := map[string]error{}
	namespaces := map[string]string{}
	for _, name := range names {
		cfg, ok := all.Configs[name]
		switch {
		case all.Errors[name] != nil:
			failed[name] = all.Errors[name]
		case !ok:
			failed[name] = fmt.Errorf("context %q not found in the kubeconfig", name)
		default:
			namespaces[name] = cf.namespaceFor(cfg.Namespace)
			if err := f.Add(name, cfg); err != nil {
				failed[name] = err
			}
		}
	}
	defer func() {
		for _, name := range f.Names() {
			f.Remove(name) // closes the connections the clients left idle
		}
	}()
	res := fleet.Map(ctx, f, func(ctx context.Context, m *fleet.Member) (T, error) {
		return fn(ctx, memberSession(m, namespaces[m.Name()]))
	})
	byName := make(map[string]fleet.Result[T], len(res))
	for _, r := range res {
		byName[r.Cluster] = r
	}
	out := make([]fleet.Result[T], 0, len(names))
	for _, name := range names {
		r, ok := byName[name]
		if !ok {
			r = fleet.Result[T]{Cluster: name, Err: &fleet.ClusterError{Cluster: name, Err: failed[name]}}
		}
		out = append(out, r)
	}
	return out, nil
}

// failures prints the error of each cluster that failed, naming its
// context, and returns an error that counts them; with one cluster it
// returns that cluster's error as it is.
func failures[T any](stderr io.Writer, res []fleet.Result[T]) error {
	if len(res) == 1 && res[0].Cluster == "" {
		return res[0].Err
	}
	n := 0
	for _, r := range res {
		if r.Err == nil {
			continue
		}
		n++
		err := r.Err
		if ce, ok := errors.AsType[*fleet.ClusterError](err); ok {
			err = ce.Err
		}
		fmt.Fprintf(stderr, "error: context %q: %v\n", r.Cluster, err)
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d contexts failed", n, len(res))
}
