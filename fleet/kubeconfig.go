package fleet

import (
	"errors"
	"fmt"

	"github.com/kdyn/kdyn/rest"
)

// FromKubeconfig returns a Fleet with one member per context of the
// kubeconfig that path stands for ("" means $KUBECONFIG, else
// ~/.kube/config, merged as kubectl merges them), each named after its
// context. The files are read once, however many contexts they hold.
//
// A context that cannot be loaded (its cluster or user missing, a
// certificate file unreadable) does not keep the others out: the Fleet
// holds every member that could be added, and the error joins one
// *ClusterError per context left out. The Fleet is nil only when the files
// themselves cannot be read.
func FromKubeconfig(path string, opts Options) (*Fleet, error) {
	all, err := rest.LoadKubeconfigContexts(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	f := New(opts)
	var errs []error
	for _, name := range all.Names {
		if cerr, ok := all.Errors[name]; ok {
			errs = append(errs, &ClusterError{Cluster: name, Err: cerr})
			continue
		}
		if err := f.Add(name, all.Configs[name]); err != nil {
			errs = append(errs, err)
		}
	}
	return f, errors.Join(errs...)
}
