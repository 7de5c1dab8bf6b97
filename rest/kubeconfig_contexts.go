package rest

import (
	"maps"
	"slices"
)

// Contexts is every context of a kubeconfig, loaded at once.
type Contexts struct {
	// Current is the current-context, "" when no file sets it.
	Current string
	// Names lists the contexts, sorted.
	Names []string
	// Configs holds the Config of each context that could be built.
	Configs map[string]*Config
	// Errors holds, for each context whose Config could not be built (a
	// missing cluster or user, an unreadable certificate), why. One broken
	// context does not keep the others from loading.
	Errors map[string]error
}

// LoadKubeconfigContexts loads the Config of every context of the
// kubeconfig that path stands for (as in LoadKubeconfig, "" means
// $KUBECONFIG or ~/.kube/config). The files are read and merged once,
// however many contexts they hold. The error is for the files as a whole
// (unreadable, not YAML); per-context failures are in Contexts.Errors.
func LoadKubeconfigContexts(path string) (*Contexts, error) {
	m, err := loadMerged(path)
	if err != nil {
		return nil, err
	}
	out := &Contexts{
		Current: m.currentContext.v,
		Names:   slices.Sorted(maps.Keys(m.contexts)),
		Configs: make(map[string]*Config, len(m.contexts)),
		Errors:  map[string]error{},
	}
	for _, name := range out.Names {
		cfg, err := m.config(name)
		if err != nil {
			out.Errors[name] = err
			continue
		}
		out.Configs[name] = cfg
	}
	return out, nil
}
