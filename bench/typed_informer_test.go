package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	krt "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientrest "k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/typed"
)

// typedInformers are the typed caches of Deployments compared: kdyn's
// typed view with its defaults (managedFields dropped), the same keeping
// managedFields as the peers do, client-go's informer factory (the
// informer and lister every Clientset user has) and controller-runtime's
// cache of typed objects. kdyn-unstructured, kdyn's cache of the same
// objects as *unstructured.Unstructured, is in the raw output for
// reference.
var typedInformers = []string{"kdyn", "kdyn-managedFields", "kdyn-unstructured", "client-go", "controller-runtime"}

// typedUnderTest is one running typed cache, with a handler that counts
// its adds, as a controller would have.
type typedUnderTest struct {
	synced func() bool
	get    func(ns, name string) (any, bool)
	list   func(sel labels.Selector) int
	stop   func()
	adds   *atomic.Int64
}

func deploymentScheme(tb testing.TB) *krt.Scheme {
	s := krt.NewScheme()
	require.NoError(tb, appsv1.AddToScheme(s))
	return s
}

func deploymentMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(deploymentGVK, meta.RESTScopeNamespace)
	return m
}

// startTyped starts the named typed cache over srv, not waiting for its
// sync.
func startTyped(tb testing.TB, name string, srv *deploymentServer) *typedUnderTest {
	tb.Helper()
	adds := &atomic.Int64{}
	switch name {
	case "kdyn", "kdyn-managedFields", "kdyn-unstructured":
		return startKdynTyped(tb, name, srv, adds)
	case "client-go":
		cs, err := kubernetes.NewForConfig(&clientrest.Config{Host: srv.URL})
		require.NoError(tb, err)
		f := informers.NewSharedInformerFactory(cs, 0)
		deploys := f.Apps().V1().Deployments()
		_, err = deploys.Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: func(any) { adds.Add(1) }})
		require.NoError(tb, err)
		lister := deploys.Lister()
		stop := make(chan struct{})
		f.Start(stop)
		return &typedUnderTest{synced: deploys.Informer().HasSynced, adds: adds,
			get: func(ns, name string) (any, bool) {
				d, err := lister.Deployments(ns).Get(name)
				return d, err == nil
			},
			list: func(sel labels.Selector) int {
				l, _ := lister.List(sel)
				return len(l)
			},
			stop: func() { close(stop); f.Shutdown() }}
	case "controller-runtime":
		c, err := crcache.New(&clientrest.Config{Host: srv.URL}, crcache.Options{Mapper: deploymentMapper(), Scheme: deploymentScheme(tb)})
		require.NoError(tb, err)
		ctx, cancel := context.WithCancel(context.Background())
		inf, err := c.GetInformer(ctx, &appsv1.Deployment{})
		require.NoError(tb, err)
		_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: func(any) { adds.Add(1) }})
		require.NoError(tb, err)
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Start(ctx) }()
		return &typedUnderTest{synced: inf.HasSynced, adds: adds,
			get: func(ns, name string) (any, bool) {
				d := &appsv1.Deployment{}
				err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d)
				return d, err == nil
			},
			list: func(sel labels.Selector) int {
				l := &appsv1.DeploymentList{}
				_ = c.List(ctx, l, client.MatchingLabelsSelector{Selector: sel})
				return len(l.Items)
			},
			stop: func() { cancel(); <-done }}
	}
	tb.Fatalf("unknown typed cache %q", name)
	return nil
}

func startKdynTyped(tb testing.TB, name string, srv *deploymentServer, adds *atomic.Int64) *typedUnderTest {
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL})
	require.NoError(tb, err)
	c := cache.New(dynamic.New(rc), deploymentMapper(), cache.Options{})
	stop := func() { c.Stop(); rc.CloseIdleConnections() }
	ctx := context.Background()
	if name == "kdyn-unstructured" {
		inf, err := c.Informer(ctx, deploymentGVK, cache.InformerOptions{})
		require.NoError(tb, err)
		inf.AddHandler(cache.Handler{OnAdd: func(*unstructured.Unstructured, bool) { adds.Add(1) }})
		return &typedUnderTest{synced: inf.HasSynced, adds: adds, stop: stop,
			get:  func(ns, name string) (any, bool) { return inf.Get(ns, name) },
			list: func(sel labels.Selector) int { return len(inf.List(sel)) }}
	}
	inf, err := typed.Inform[*appsv1.Deployment](ctx, c, deploymentScheme(tb), typed.InformerOptions{KeepManagedFields: name == "kdyn-managedFields"})
	require.NoError(tb, err)
	inf.AddHandler(typed.Handler[*appsv1.Deployment]{OnAdd: func(*appsv1.Deployment, bool) { adds.Add(1) }})
	return &typedUnderTest{synced: inf.HasSynced, adds: adds, stop: stop,
		get:  func(ns, name string) (any, bool) { return inf.Get(ns, name) },
		list: func(sel labels.Selector) int { return len(inf.List(sel)) }}
}

// BenchmarkTypedInformerSync is the time from starting a typed cache of
// 10,000 Deployments (~4 KB of JSON each, managedFields included) to its
// sync (ns/op; cpu-ns/op is the process's CPU time meanwhile), and the
// heap the synced cache retains after a full GC (retained-B), with its
// handler's adds delivered.
func BenchmarkTypedInformerSync(b *testing.B) {
	n := cacheObjects()
	srv := newDeploymentServer(b, n)
	for _, name := range typedInformers {
		b.Run(name, func(b *testing.B) {
			benchSync(b, n, srv.watches, func() started {
				c := startTyped(b, name, srv)
				return started{synced: c.synced, adds: c.adds, stop: c.stop}
			})
		})
	}
}

// BenchmarkTypedInformerRead reads typed objects from a synced cache of
// 10,000 Deployments: Get of one, List of all, List of a third by label,
// each client through its own API (kdyn's Informer.Get/List, client-go's
// lister, controller-runtime's cache client, which deep-copies by
// default).
func BenchmarkTypedInformerRead(b *testing.B) {
	n := cacheObjects()
	srv := newDeploymentServer(b, n)
	caches := map[string]reader{}
	for _, name := range typedInformers {
		c := startTyped(b, name, srv)
		b.Cleanup(c.stop)
		waitSynced(b, c.synced)
		caches[name] = reader{
			get:  func(ns, name string) bool { _, ok := c.get(ns, name); return ok },
			list: c.list,
		}
	}
	benchReads(b, n, "web", typedInformers, caches)
}

// TestTypedInformerSame checks that the typed caches compared hold the
// same objects, field for field: kdyn's with managedFields kept and
// controller-runtime's equal to client-go's (fieldsV1 by meaning, as
// kdyn's is encoded again from the cache's decoded form), and kdyn's
// default equal to client-go's less managedFields.
func TestTypedInformerSame(t *testing.T) {
	srv := newDeploymentServer(t, 30)
	caches := map[string]*typedUnderTest{}
	for _, name := range []string{"kdyn", "kdyn-managedFields", "client-go", "controller-runtime"} {
		c := startTyped(t, name, srv)
		t.Cleanup(c.stop)
		waitSynced(t, c.synced)
		caches[name] = c
	}
	for i := range 30 {
		ns, name := fmt.Sprintf("team-%d", i%10), fmt.Sprintf("web-%05d", i)
		obj, ok := caches["client-go"].get(ns, name)
		require.True(t, ok, "client-go has %s/%s", ns, name)
		want := obj.(*appsv1.Deployment)
		require.Len(t, want.ManagedFields, 3)
		for _, other := range []string{"controller-runtime", "kdyn-managedFields", "kdyn"} {
			obj, ok := caches[other].get(ns, name)
			require.True(t, ok, "%s has %s/%s", other, ns, name)
			got, expect := obj.(*appsv1.Deployment).DeepCopy(), want.DeepCopy()
			if other == "kdyn" {
				expect.ManagedFields = nil
			}
			require.Len(t, got.ManagedFields, len(expect.ManagedFields), other)
			for j := range expect.ManagedFields {
				assert.JSONEq(t, expect.ManagedFields[j].FieldsV1.GetRawString(), got.ManagedFields[j].FieldsV1.GetRawString(), other)
				expect.ManagedFields[j].FieldsV1, got.ManagedFields[j].FieldsV1 = nil, nil
			}
			expect.TypeMeta = got.TypeMeta // controller-runtime sets it on the copies it returns
			assert.Equal(t, expect, got, "%s's %s/%s differs from client-go's", other, ns, name)
		}
	}
}
