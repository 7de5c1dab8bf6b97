package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdynamic "k8s.io/client-go/dynamic"
	restclient "k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

var widgetGVK = schema.GroupVersionKind{Group: "stable.kdyn.dev", Version: "v1", Kind: "Widget"}

// widgetReconciler is a small operator: each Widget gets a ConfigMap
// "<name>-config", controlled by it, holding its spec.replicas, and the
// status phase Ready. Each finished reconcile is reported on done.
type widgetReconciler struct {
	client.Client
	done chan reconcile.Request
}

func (r *widgetReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(widgetGVK)
	if err := r.Get(ctx, req.NamespacedName, w); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	replicas, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: w.GetName() + "-config", Namespace: w.GetNamespace()}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Data = map[string]string{"replicas": strconv.FormatInt(replicas, 10)}
		return controllerutil.SetControllerReference(w, cm, r.Scheme())
	}); err != nil {
		return reconcile.Result{}, err
	}
	if phase, _, _ := unstructured.NestedString(w.Object, "status", "phase"); phase != "Ready" {
		patch := client.MergeFrom(w.DeepCopy())
		if err := unstructured.SetNestedField(w.Object, "Ready", "status", "phase"); err != nil {
			return reconcile.Result{}, err
		}
		if err := r.Status().Patch(ctx, w, patch); err != nil {
			return reconcile.Result{}, err
		}
	}
	select {
	case r.done <- req:
	default:
	}
	return reconcile.Result{}, nil
}

// kdynMapper plugs kdyn's discovery-driven mapper into a controller-runtime
// manager (Options.MapperProvider), reading discovery with cfg.
func kdynMapper(cfg *rest.Config) func(*restclient.Config, *http.Client) (meta.RESTMapper, error) {
	return func(*restclient.Config, *http.Client) (meta.RESTMapper, error) {
		d, err := discovery.NewForConfig(cfg, discovery.Options{})
		if err != nil {
			return nil, err
		}
		return restmapper.New(d, restmapper.Options{}), nil
	}
}

// startWidgetOperator starts a manager running widgetReconciler against
// cfg until ctx ends, with kdyn's mapper reading discovery through kdynCfg
// (controller-runtime's own when nil); the returned channel reports each
// finished reconcile.
func startWidgetOperator(ctx context.Context, tb testing.TB, cfg *restclient.Config, kdynCfg *rest.Config) <-chan reconcile.Request {
	tb.Helper()
	opts := ctrl.Options{
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 logr.Discard(),
	}
	if kdynCfg != nil {
		opts.MapperProvider = kdynMapper(kdynCfg)
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	require.NoError(tb, err)
	r := &widgetReconciler{Client: mgr.GetClient(), done: make(chan reconcile.Request, 64)}
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(widgetGVK)
	skip := true // every test starts its own manager with the same controller
	require.NoError(tb, ctrl.NewControllerManagedBy(mgr).For(w).Owns(&corev1.ConfigMap{}).
		WithOptions(controller.Options{SkipNameValidation: &skip}).Complete(r))
	errc := make(chan error, 1)
	go func() { errc <- mgr.Start(ctx) }()
	tb.Cleanup(func() {
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
			tb.Error("manager:", err)
		}
	})
	return r.done
}

// newWidgetFixture serves the k8s-1.37 recording with the Widget CRD
// installed, as a test of an operator would start.
func newWidgetFixture(tb testing.TB, opts ...fixture.Option) *fixture.Server {
	tb.Helper()
	cluster, err := fixture.Load(recordingDir)
	require.NoError(tb, err)
	raw, err := os.ReadFile("testdata/crds/widgets.yaml")
	require.NoError(tb, err)
	crd := &unstructured.Unstructured{}
	require.NoError(tb, yaml.Unmarshal(raw, &crd.Object))
	require.NoError(tb, cluster.InstallCRD(crd))
	fs := fixture.NewServer(cluster, opts...)
	tb.Cleanup(fs.Close)
	return fs
}

// TestOperatorWithoutACluster runs a controller-runtime manager, its
// informers and client, against the fixture server: with its own mapper and
// with kdyn's through MapperProvider. The Widget's ConfigMap is created and
// kept up to date, its status written through the status subresource, and
// once the Widget is deleted the fixture's garbage collector removes the
// ConfigMap, which no envtest (an API server alone) does.
func TestOperatorWithoutACluster(t *testing.T) {
	for _, withKdyn := range []bool{false, true} {
		t.Run(fmt.Sprintf("kdynMapper=%t", withKdyn), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			fs := newWidgetFixture(t)
			cfg := &restclient.Config{Host: fs.URL, QPS: -1}
			opCtx, stop := context.WithCancel(ctx)
			defer stop()
			var kdynCfg *rest.Config
			if withKdyn {
				kdynCfg = fs.Config()
			}
			done := startWidgetOperator(opCtx, t, cfg, kdynCfg)

			dyn, err := cgdynamic.NewForConfig(cfg)
			require.NoError(t, err)
			_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx,
				&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "shop"}}}, metav1.CreateOptions{})
			require.NoError(t, err)
			widgets := dyn.Resource(widgetsV1).Namespace("shop")
			w := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "stable.kdyn.dev/v1", "kind": "Widget",
				"metadata": map[string]any{"name": "w1"}, "spec": map[string]any{"replicas": int64(3)}}}
			_, err = widgets.Create(ctx, w, metav1.CreateOptions{})
			require.NoError(t, err)
			<-done

			cms := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("shop")
			waitFor(ctx, t, "the ConfigMap holds 3", func() bool {
				cm, err := cms.Get(ctx, "w1-config", metav1.GetOptions{})
				return err == nil && cm.Object["data"].(map[string]any)["replicas"] == "3"
			})
			waitFor(ctx, t, "the Widget is Ready", func() bool {
				got, err := widgets.Get(ctx, "w1", metav1.GetOptions{})
				phase, _, _ := unstructured.NestedString(got.Object, "status", "phase")
				return err == nil && phase == "Ready"
			})

			_, err = widgets.Patch(ctx, "w1", "application/merge-patch+json", []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			waitFor(ctx, t, "the ConfigMap follows to 5", func() bool {
				cm, err := cms.Get(ctx, "w1-config", metav1.GetOptions{})
				return err == nil && cm.Object["data"].(map[string]any)["replicas"] == "5"
			})

			require.NoError(t, widgets.Delete(ctx, "w1", metav1.DeleteOptions{}))
			waitFor(ctx, t, "the garbage collector removes the ConfigMap", func() bool {
				_, err := cms.Get(ctx, "w1-config", metav1.GetOptions{})
				return apierrors.IsNotFound(err)
			})
		})
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
