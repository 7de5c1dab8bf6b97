package typed

import (
	"fmt"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Clientset holds what every typed Client of one API server shares: the
// connection, the mapper that finds each kind's resource, the scheme that
// names each Go type's kind, and the options. It is safe for concurrent use
// if its mapper is; For makes a Client of one type from it.
type Clientset struct {
	rc     *rest.Client
	mapper meta.RESTMapper
	scheme *runtime.Scheme
	opts   Options
}

// New returns a Clientset over rc, resolving resources through mapper
// (kdyn's *restmapper.Mapper, or any meta.RESTMapper) and kinds through
// scheme, in which the Go types to use must be registered (k8s.io/api's
// packages each have an AddToScheme). Nothing is checked or sent until For
// and the calls of its Client.
func New(rc *rest.Client, mapper meta.RESTMapper, scheme *runtime.Scheme, opts Options) *Clientset {
	return &Clientset{rc: rc, mapper: mapper, scheme: scheme, opts: opts}
}

// NewForConfig builds a Clientset with its own rest.Client, discovery
// client and mapper (default options) from cfg.
func NewForConfig(cfg *rest.Config, scheme *runtime.Scheme, opts Options) (*Clientset, error) {
	rc, err := rest.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	disco, err := discovery.NewForConfig(cfg, discovery.Options{})
	if err != nil {
		return nil, err
	}
	return New(rc, restmapper.New(disco, restmapper.Options{}), scheme, opts), nil
}

func (cs *Clientset) check() error {
	switch {
	case cs == nil:
		return fmt.Errorf("typed: nil Clientset")
	case cs.rc == nil:
		return fmt.Errorf("typed: Clientset without a rest.Client")
	case cs.mapper == nil:
		return fmt.Errorf("typed: Clientset without a RESTMapper")
	case cs.scheme == nil:
		return fmt.Errorf("typed: Clientset without a runtime.Scheme")
	}
	return nil
}
