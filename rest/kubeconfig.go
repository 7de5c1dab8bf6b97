package rest

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// LoadKubeconfig loads the Config of one kubeconfig context.
//
// path "" means the files listed in $KUBECONFIG (separated by the OS's list
// separator; files that do not exist are skipped), else ~/.kube/config.
// Several files merge the way kubectl merges them: the first file to define
// a cluster, user or context name wins, and current-context comes from the
// first file that sets it. context "" means current-context.
//
// Relative file names in a file (certificate-authority, client-certificate,
// client-key, tokenFile, an exec command with a path separator) are taken
// relative to that file's directory. Errors name the file and the field, and
// a context that does not exist is reported with the ones that do.
func LoadKubeconfig(path, context string) (*Config, error) {
	m, err := loadMerged(path)
	if err != nil {
		return nil, err
	}
	return m.config(context)
}

// loadMerged reads and merges the kubeconfig files path stands for.
func loadMerged(path string) (*mergedKubeconfig, error) {
	files, err := kubeconfigFiles(path)
	if err != nil {
		return nil, err
	}
	m := newMergedKubeconfig()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("rest: kubeconfig: %w", err)
		}
		kc, err := parseKubeconfig(data, f)
		if err != nil {
			return nil, err
		}
		m.add(kc, f)
	}
	return m, nil
}

// kubeconfigFiles lists the files to merge, in order.
func kubeconfigFiles(path string) ([]string, error) {
	if path != "" {
		return []string{path}, nil
	}
	if env := os.Getenv("KUBECONFIG"); env != "" {
		return existingFiles(filepath.SplitList(env))
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("rest: kubeconfig: no path, no $KUBECONFIG and no home directory: %w", err)
	}
	return []string{filepath.Join(home, ".kube", "config")}, nil
}

// existingFiles keeps the $KUBECONFIG entries that exist, once each; kubectl
// skips missing ones, so a list naming an optional file still works.
func existingFiles(list []string) ([]string, error) {
	var out []string
	for _, f := range list {
		if f == "" || slices.Contains(out, f) {
			continue
		}
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rest: kubeconfig: none of the files in $KUBECONFIG exists: %s", strings.Join(list, string(filepath.ListSeparator)))
	}
	return out, nil
}

// parseKubeconfig decodes one file and resolves its relative paths.
func parseKubeconfig(data []byte, file string) (*kubeconfigFile, error) {
	var kc kubeconfigFile
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("rest: kubeconfig %s: %w", file, err)
	}
	dir := filepath.Dir(file)
	for i := range kc.Clusters {
		c := &kc.Clusters[i].Cluster
		c.CertificateAuthority = resolvePath(dir, c.CertificateAuthority)
	}
	for i := range kc.Users {
		u := &kc.Users[i].User
		u.ClientCertificate = resolvePath(dir, u.ClientCertificate)
		u.ClientKey = resolvePath(dir, u.ClientKey)
		u.TokenFile = resolvePath(dir, u.TokenFile)
		if u.Exec != nil && strings.ContainsRune(u.Exec.Command, filepath.Separator) {
			u.Exec.Command = resolvePath(dir, u.Exec.Command)
		}
	}
	return &kc, nil
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// sourced is a kubeconfig entry and the file that defined it.
type sourced[T any] struct {
	v    T
	file string
}

// mergedKubeconfig is several files merged, first definition winning.
type mergedKubeconfig struct {
	files          []string
	currentContext sourced[string]
	clusters       map[string]sourced[kcCluster]
	users          map[string]sourced[kcUser]
	contexts       map[string]sourced[kcContext]
}

func newMergedKubeconfig() *mergedKubeconfig {
	return &mergedKubeconfig{
		clusters: map[string]sourced[kcCluster]{},
		users:    map[string]sourced[kcUser]{},
		contexts: map[string]sourced[kcContext]{},
	}
}

func (m *mergedKubeconfig) add(kc *kubeconfigFile, file string) {
	m.files = append(m.files, file)
	if m.currentContext.v == "" && kc.CurrentContext != "" {
		m.currentContext = sourced[string]{kc.CurrentContext, file}
	}
	for _, c := range kc.Clusters {
		addFirst(m.clusters, c.Name, c.Cluster, file)
	}
	for _, u := range kc.Users {
		addFirst(m.users, u.Name, u.User, file)
	}
	for _, c := range kc.Contexts {
		addFirst(m.contexts, c.Name, c.Context, file)
	}
}

func addFirst[T any](m map[string]sourced[T], name string, v T, file string) {
	if _, ok := m[name]; !ok {
		m[name] = sourced[T]{v, file}
	}
}

// where names the files for errors that concern the merge as a whole.
func (m *mergedKubeconfig) where() string {
	return strings.Join(m.files, string(filepath.ListSeparator))
}

// config builds the Config of the named context (or current-context).
func (m *mergedKubeconfig) config(name string) (*Config, error) {
	if name == "" {
		name = m.currentContext.v
	}
	if name == "" {
		return nil, fmt.Errorf("rest: kubeconfig %s: current-context is not set and no context was given; contexts: %s",
			m.where(), m.contextNames())
	}
	ctx, ok := m.contexts[name]
	if !ok {
		return nil, fmt.Errorf("rest: kubeconfig %s: context %q not found; contexts: %s", m.where(), name, m.contextNames())
	}
	cluster, ok := m.clusters[ctx.v.Cluster]
	if !ok {
		return nil, fmt.Errorf("rest: kubeconfig %s: contexts[%q].cluster: cluster %q not found", ctx.file, name, ctx.v.Cluster)
	}
	cfg := &Config{Namespace: ctx.v.Namespace}
	if err := applyCluster(cfg, ctx.v.Cluster, cluster); err != nil {
		return nil, err
	}
	if ctx.v.User == "" {
		return cfg, nil
	}
	user, ok := m.users[ctx.v.User]
	if !ok {
		return nil, fmt.Errorf("rest: kubeconfig %s: contexts[%q].user: user %q not found", ctx.file, name, ctx.v.User)
	}
	if err := applyUser(cfg, ctx.v.User, user, cluster.v); err != nil {
		return nil, err
	}
	return cfg, nil
}

// maxListedContexts is how many context names an error lists; a kubeconfig
// with thousands of contexts must not make an error of a hundred kilobytes.
const maxListedContexts = 20

// contextNames lists the contexts for error messages: the first
// maxListedContexts in sorted order, then how many more there are.
func (m *mergedKubeconfig) contextNames() string {
	if len(m.contexts) == 0 {
		return "(none)"
	}
	names := slices.Sorted(maps.Keys(m.contexts))
	shown := names[:min(len(names), maxListedContexts)]
	quoted := make([]string, len(shown))
	for i, n := range shown {
		quoted[i] = fmt.Sprintf("%q", truncateName(n))
	}
	list := strings.Join(quoted, ", ")
	if more := len(names) - len(shown); more > 0 {
		list += fmt.Sprintf(" and %d more (%d in all)", more, len(names))
	}
	return list
}

// truncateName cuts a context name past 253 bytes (the longest Kubernetes
// name): a name is for recognising, and one of a megabyte is not.
func truncateName(n string) string {
	const maxName = 253
	if len(n) <= maxName {
		return n
	}
	cut := maxName
	for cut > 0 && !utf8.RuneStart(n[cut]) {
		cut--
	}
	return n[:cut] + "…"
}
