package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/typed"
)

// TestTypedInformerLikeClientGo runs kdyn's typed view of its cache
// (typed.Inform) beside client-go's informer factory over the Deployments
// of one namespace of kube-apiserver, through creates, a patch, a
// status update and a delete: after each step both hold the same objects,
// field for field (kdyn keeping managedFields, as client-go does), and
// kdyn's default view holds them less managedFields.
func TestTypedInformerLikeClientGo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-typed-informer")
	cfg, _ := countedConfigFor(t, srv)
	rc := mustREST(t, cfg)
	c := cache.New(dynamic.New(rc), mapperFor(t, cfg), cache.Options{})
	t.Cleanup(c.Stop)
	scheme := typedScheme(t)
	full, err := typed.Inform[*appsv1.Deployment](ctx, c, scheme, typed.InformerOptions{Namespace: ns, KeepManagedFields: true})
	require.NoError(t, err)
	lean, err := typed.Inform[*appsv1.Deployment](ctx, c, scheme, typed.InformerOptions{Namespace: ns})
	require.NoError(t, err)

	cs := clientset(t, "")
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	peer := f.Apps().V1().Deployments()
	peer.Informer() // registered before Start
	stop := make(chan struct{})
	f.Start(stop)
	t.Cleanup(func() { close(stop); f.Shutdown() })
	require.NoError(t, full.WaitForSync(ctx))
	require.NoError(t, lean.WaitForSync(ctx))

	deploys := cs.AppsV1().Deployments(ns)
	// same waits until both caches hold want objects, name at version rv
	// (the answer of the write just made) among them, then compares them.
	same := func(step string, want int, name, rv string) {
		t.Helper()
		waitFor(ctx, t, step, func() bool {
			theirs, err := peer.Lister().Deployments(ns).List(labels.Everything())
			if err != nil || len(theirs) != want || len(full.List(nil)) != want || len(lean.List(nil)) != want {
				return false
			}
			if name != "" {
				if d, err := peer.Lister().Deployments(ns).Get(name); err != nil || d.ResourceVersion != rv {
					return false
				}
			}
			for _, d := range theirs {
				mine, ok := full.Get(ns, d.Name)
				if !ok || mine.ResourceVersion != d.ResourceVersion {
					return false
				}
				if l, ok := lean.Get(ns, d.Name); !ok || l.ResourceVersion != d.ResourceVersion {
					return false
				}
			}
			return true
		})
		theirs, err := peer.Lister().Deployments(ns).List(labels.Everything())
		require.NoError(t, err)
		for _, d := range theirs {
			mine, _ := full.Get(ns, d.Name)
			// kdyn's fieldsV1 are encoded again from the cache's decoded
			// form: equal by meaning, in another key order.
			expect, got := d.DeepCopy(), mine.DeepCopy()
			require.Len(t, got.ManagedFields, len(expect.ManagedFields), "%s: %s", step, d.Name)
			for j := range expect.ManagedFields {
				assert.JSONEq(t, expect.ManagedFields[j].FieldsV1.GetRawString(), got.ManagedFields[j].FieldsV1.GetRawString(), "%s: %s", step, d.Name)
				expect.ManagedFields[j].FieldsV1, got.ManagedFields[j].FieldsV1 = nil, nil
			}
			assert.Equal(t, expect, got, "%s: %s differs from client-go's", step, d.Name)
			want := d.DeepCopy()
			want.ManagedFields = nil
			l, _ := lean.Get(ns, d.Name)
			assert.Equal(t, want, l, "%s: %s without managedFields", step, d.Name)
		}
	}

	var last *appsv1.Deployment
	for _, name := range []string{"web", "api", "worker"} {
		last, err = deploys.Create(ctx, typedDeployment(name, 1), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	same("three created", 3, last.Name, last.ResourceVersion)
	p, err := deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"front"}},"spec":{"replicas":2}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	same("web patched", 3, p.Name, p.ResourceVersion)
	d, err := deploys.Get(ctx, "api", metav1.GetOptions{})
	require.NoError(t, err)
	d.Status.ObservedGeneration = d.Generation
	u, err := deploys.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	require.NoError(t, err)
	same("api's status updated", 3, u.Name, u.ResourceVersion)
	require.NoError(t, deploys.Delete(ctx, "worker", metav1.DeleteOptions{}))
	same("worker deleted", 2, "", "")

	web, ok := lean.Get(ns, "web")
	require.True(t, ok)
	assert.Equal(t, int32(2), *web.Spec.Replicas)
	assert.Len(t, lean.List(labels.SelectorFromSet(labels.Set{"tier": "front"})), 1)
	assert.Zero(t, lean.Stats().ConversionErrors)
}
