package cache_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

var (
	crdGVR       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	widgetGVK    = schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	widgetGVR    = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	configMapGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	namespaceGVK = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	namespaceGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// fastOptions keep backoffs short, so that tests of failures run quickly.
var fastOptions = cache.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	KindPollInterval: 20 * time.Millisecond}

// env is a fixture server with kdyn's clients and a Cache over them.
type env struct {
	srv    *fixture.Server
	cfg    *rest.Config
	rc     *rest.Client
	dyn    *dynamic.Client
	mapper *restmapper.Mapper
	cache  *cache.Cache
}

func newEnv(t testing.TB, opts cache.Options, fopts ...fixture.Option) *env {
	t.Helper()
	// A small synthetic cluster: ConfigMaps, Namespaces and CRDs. Recorded
	// clusters with OpenAPI documents cost seconds per CRD under -race.
	srv := fixture.NewServer(fixture.Synthetic(1, 1), fopts...)
	t.Cleanup(srv.Close)
	return newEnvFor(t, srv, srv.URL, opts)
}

// newEnvFor builds the clients for host, which serves srv (or a proxy in
// front of it).
func newEnvFor(t testing.TB, srv *fixture.Server, host string, opts cache.Options) *env {
	t.Helper()
	cfg := &rest.Config{Host: host, WarningHandler: rest.NoWarnings{}, Timeout: 20 * time.Second}
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	mapper := restmapper.New(discovery.New(rc, discovery.Options{}), restmapper.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	e := &env{srv: srv, cfg: cfg, rc: rc, dyn: dynamic.New(rc), mapper: mapper}
	e.cache = cache.New(e.dyn, mapper, opts)
	t.Cleanup(e.cache.Stop)
	return e
}

// closeIdle closes the connections e's client keeps open for reuse.
func (e *env) closeIdle() { e.rc.CloseIdleConnections() }

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func widgetCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{
			"group": "example.com", "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}

func (e *env) installCRD(t testing.TB) {
	t.Helper()
	_, err := e.dyn.Resource(crdGVR).Create(ctxFor(t, 10*time.Second), widgetCRD(), metav1.CreateOptions{})
	require.NoError(t, err)
}

func (e *env) deleteCRD(t testing.TB) {
	t.Helper()
	err := e.dyn.Resource(crdGVR).Delete(ctxFor(t, 10*time.Second), "widgets.example.com", metav1.DeleteOptions{})
	require.NoError(t, err)
}

func (e *env) namespaces(t testing.TB, names ...string) {
	t.Helper()
	for _, ns := range names {
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": ns}}}
		_, err := e.dyn.Resource(namespaceGVR).Create(ctxFor(t, 10*time.Second), obj, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			require.NoError(t, err)
		}
	}
}

func (e *env) widgets(ns string) dynamic.ResourceInterface {
	return e.dyn.Resource(widgetGVR).Namespace(ns)
}

// widget is a custom resource as a controller leaves it: labels, a spec, a
// status with conditions.
func widget(ns, name string, i int) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": name, "namespace": ns,
			"labels": map[string]any{"app": "shop", "tier": []string{"web", "cache", "db"}[i%3]}},
		"spec": map[string]any{"size": int64(i % 7), "color": []string{"red", "green", "blue"}[i%3],
			"image": fmt.Sprintf("registry.example.com/widgets/%s:1.%d", name, i%5)},
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True",
			"reason": "Reconciled", "lastTransitionTime": "2026-11-27T09:00:00Z"}}},
	}}
}

// createWidgets creates n widgets, w0000 on, spread over the namespaces.
func (e *env) createWidgets(t testing.TB, n int, namespaces ...string) {
	t.Helper()
	e.createRange(t, 0, n, namespaces...)
}

// createRange creates widgets from to to-1, spread over the namespaces.
func (e *env) createRange(t testing.TB, from, to int, namespaces ...string) {
	t.Helper()
	ctx := ctxFor(t, time.Minute)
	for i := from; i < to; i++ {
		ns := namespaces[i%len(namespaces)]
		_, err := e.widgets(ns).Create(ctx, widget(ns, fmt.Sprintf("w%04d", i), i), metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

// versions maps each object's namespace/name to its resourceVersion.
func versions[T cache.Object](objs []T) map[string]string {
	out := make(map[string]string, len(objs))
	for _, obj := range objs {
		o := any(obj).(metav1.Object)
		out[o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
	}
	return out
}

// serverVersions lists what sel selects of r from the server, fresh.
func serverVersions(r dynamic.ResourceInterface, sel string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := r.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	objs := make([]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		objs[i] = &l.Items[i]
	}
	return versions(objs), nil
}

// converge waits until inf holds exactly what the server lists and returns
// that.
func converge(t testing.TB, inf *cache.Informer, r dynamic.ResourceInterface) map[string]string {
	t.Helper()
	return convergeSelected(t, inf, r, "")
}

// convergeSelected is converge for an informer with a label selector.
func convergeSelected(t testing.TB, inf *cache.Informer, r dynamic.ResourceInterface, sel string) map[string]string {
	t.Helper()
	var want map[string]string
	require.Eventually(t, func() bool {
		var err error
		want, err = serverVersions(r, sel)
		return err == nil && maps.Equal(want, versions(inf.List(nil)))
	}, 30*time.Second, 50*time.Millisecond, "the informer never converged on the server's state")
	return want
}

// drained waits until inf's handlers have received everything.
func drained(t testing.TB, inf interface{ Stats() cache.Stats }) {
	t.Helper()
	require.Eventually(t, func() bool { return inf.Stats().Pending == 0 }, 30*time.Second, 10*time.Millisecond,
		"the handlers never caught up")
}

// recorder is a handler that replays what it receives into its own view,
// checking that each notification fits the view it has so far: an add for
// an object it does not hold, an update or delete for one it holds in the
// version the update replaces. It records whole objects and metadata alike.
type recorder struct {
	mu       sync.Mutex // guards the fields below
	view     map[string]metav1.Object
	initial  int
	adds     int
	updates  int
	deletes  int
	problems []string
}

func newRecorder() *recorder { return &recorder{view: map[string]metav1.Object{}} }

func keyOf(o metav1.Object) string { return o.GetNamespace() + "/" + o.GetName() }

func (r *recorder) handler() cache.Handler { return handlerOf[*unstructured.Unstructured](r) }

// handlerOf is r's handler for an informer of T.
func handlerOf[T cache.Object](r *recorder) cache.HandlerOf[T] {
	return cache.HandlerOf[T]{
		OnAdd:    func(obj T, initial bool) { r.add(any(obj).(metav1.Object), initial) },
		OnUpdate: func(old, obj T) { r.update(any(old).(metav1.Object), any(obj).(metav1.Object)) },
		OnDelete: func(obj T) { r.delete(any(obj).(metav1.Object)) },
	}
}

func (r *recorder) add(obj metav1.Object, initial bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.view[keyOf(obj)]; ok {
		r.problems = append(r.problems, "add of a held object "+keyOf(obj))
	}
	r.view[keyOf(obj)] = obj
	r.adds++
	if initial {
		r.initial++
	}
}

func (r *recorder) update(old, obj metav1.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	held, ok := r.view[keyOf(obj)]
	switch {
	case !ok:
		r.problems = append(r.problems, "update of an unknown object "+keyOf(obj))
	case held.GetResourceVersion() != old.GetResourceVersion():
		r.problems = append(r.problems, fmt.Sprintf("update of %s from %s, held %s", keyOf(obj), old.GetResourceVersion(), held.GetResourceVersion()))
	case old.GetResourceVersion() == obj.GetResourceVersion():
		r.problems = append(r.problems, "update without a change of "+keyOf(obj))
	}
	r.view[keyOf(obj)] = obj
	r.updates++
}

func (r *recorder) delete(obj metav1.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.view[keyOf(obj)]; !ok {
		r.problems = append(r.problems, "delete of an unknown object "+keyOf(obj))
	}
	delete(r.view, keyOf(obj))
	r.deletes++
}

// check asserts that the recorder's view is want and that every
// notification fitted.
func (r *recorder) check(t testing.TB, want map[string]string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	assert.Empty(t, r.problems)
	got := make(map[string]string, len(r.view))
	for k, o := range r.view {
		got[k] = o.GetResourceVersion()
	}
	assert.Equal(t, want, got)
}

func (r *recorder) counts() (initial, adds, updates, deletes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.initial, r.adds, r.updates, r.deletes
}
