package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fleet"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// clusterFlags are the flags of every command that talks to a cluster.
type clusterFlags struct {
	kubeconfig string
	context    string
	namespace  string
}

// register adds --kubeconfig, --context and -n/--namespace to fs.
func (f *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(&f.context, "context", "", "kubeconfig context (default: the current context)")
	fs.StringVar(&f.namespace, "namespace", "", "namespace (default: the context's, else \"default\")")
	fs.StringVar(&f.namespace, "n", "", "short for --namespace")
}

// namespaceFor is the namespace to use in a cluster whose context sets
// ctxNamespace: -n, else the context's, else "default".
func (f *clusterFlags) namespaceFor(ctxNamespace string) string {
	switch {
	case f.namespace != "":
		return f.namespace
	case ctxNamespace != "":
		return ctxNamespace
	}
	return "default"
}

// session is what a command needs to talk to one cluster. Discovery is
// shared by the mapper and the caller, so a refresh one makes the other sees.
type session struct {
	rest      *rest.Client
	discovery *discovery.Client
	mapper    *restmapper.Mapper
	dynamic   *dynamic.Client
	mapped    *dynamic.Mapped
	// namespace is the one to use when neither the object nor -A says
	// otherwise.
	namespace string
}

// connect loads the kubeconfig and builds the clients. No request is made.
func (f *clusterFlags) connect() (*session, error) {
	cfg, err := rest.LoadKubeconfig(f.kubeconfig, f.context)
	if err != nil {
		return nil, err
	}
	return newSession(cfg, f.namespace)
}

func newSession(cfg *rest.Config, namespace string) (*session, error) {
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	disc := discovery.New(rc, discovery.Options{})
	mapper := restmapper.New(disc, restmapper.Options{})
	dyn := dynamic.New(rc)
	f := clusterFlags{namespace: namespace}
	return &session{
		rest:      rc,
		discovery: disc,
		mapper:    mapper,
		dynamic:   dyn,
		mapped:    dynamic.NewMapped(dyn, mapper),
		namespace: f.namespaceFor(cfg.Namespace),
	}, nil
}

// memberSession is the session of one member of a fleet.
func memberSession(m *fleet.Member, namespace string) *session {
	return &session{
		rest:      m.Rest(),
		discovery: m.Discovery(),
		mapper:    m.Mapper(),
		dynamic:   m.Dynamic(),
		mapped:    m.Mapped(),
		namespace: namespace,
	}
}

// close closes the connections the session left idle. Clients share
// transports, so they would outlive the command, and a server shutting down
// gracefully waits for a connection that never carried a request (one
// dialed for a request that another connection then served).
func (s *session) close() { s.rest.CloseIdleConnections() }

// target is one resource a command works on, with its kind and scope.
type target struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
}

// resolve turns a command-line resource argument ("deploy", "crontabs.stable.example.com",
// "all", "pods,services") into the resources it names, through the mapper.
// A name the server does not serve is reported in kubectl's words.
func (s *session) resolve(ctx context.Context, arg string) ([]target, error) {
	var out []target
	for _, part := range splitList(arg) {
		gvrs, err := s.mapper.Expand(ctx, part)
		if meta.IsNoMatchError(err) {
			return nil, fmt.Errorf("the server doesn't have a resource type %q", part)
		}
		if err != nil {
			return nil, err
		}
		for _, gvr := range gvrs {
			t, err := s.targetOf(ctx, gvr)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", arg)
	}
	return out, nil
}

// targetOf looks up gvr's kind and scope.
func (s *session) targetOf(ctx context.Context, gvr schema.GroupVersionResource) (target, error) {
	gvk, err := s.mapper.KindForWithContext(ctx, gvr)
	if err != nil {
		return target{}, err
	}
	m, err := s.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	if err != nil {
		return target{}, err
	}
	return target{gvr: gvr, kind: gvk.Kind, namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace}, nil
}

// splitList splits "a,b" into its non-empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// resource is the client for t: in namespace ns, or across all namespaces
// when ns is "", or cluster-wide when t is not namespaced.
func (s *session) resource(t target, ns string) dynamic.ResourceInterface {
	r := s.dynamic.Resource(t.gvr)
	if !t.namespaced || ns == "" {
		return r
	}
	return r.Namespace(ns)
}
