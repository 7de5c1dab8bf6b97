package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdynamic "k8s.io/client-go/dynamic"
	restclient "k8s.io/client-go/rest"

	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/fixture"
)

// BenchmarkTestServers measures what an operator's test suite waits for
// before its first assertion, kdyn's fixture server beside the real
// kube-apiserver with etcd (what envtest starts for controller-runtime
// users; here the e2e harness's, built from the same modules), in one run:
//
//   - TestServerStart/kdyn: fixture.Load of the k8s-1.37 recording and
//     fixture.NewServer, serving;
//   - TestServerStart/controller-runtime: etcd and kube-apiserver started
//     and healthy;
//   - FirstReconcile/kdyn and /controller-runtime: a controller-runtime
//     manager (its own mapper, informers and client) started against each
//     server, where a Widget waits, until its first reconcile is done (the
//     Widget's ConfigMap created and its status written).
//
// make bench appends its output to bench/bench.out for the report
// (bench/cmd/report/rows_fixture.go).
func BenchmarkTestServers(b *testing.B) {
	b.Run("TestServerStart/kdyn", func(b *testing.B) {
		for b.Loop() {
			cluster, err := fixture.Load(recordingDir)
			require.NoError(b, err)
			fs := fixture.NewServer(cluster)
			b.StopTimer()
			fs.Close()
			b.StartTimer()
		}
	})
	b.Run("TestServerStart/controller-runtime", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := harness.Start(harness.Options{Name: fmt.Sprintf("bench-%d", i)})
			require.NoError(b, err)
			b.StopTimer()
			require.NoError(b, s.Stop())
			b.StartTimer()
		}
	})
	b.Run("FirstReconcile/kdyn", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			fs := newWidgetFixture(b)
			cfg := &restclient.Config{Host: fs.URL, QPS: -1}
			createWidget(b, cfg, "bench")
			b.StartTimer()
			firstReconcile(b, cfg)
			b.StopTimer()
			fs.Close()
			b.StartTimer()
		}
	})
	b.Run("FirstReconcile/controller-runtime", func(b *testing.B) {
		cfg := srv.ClientGoConfig()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			createWidget(b, cfg, fmt.Sprintf("bench-first-reconcile-%d-%d", time.Now().UnixNano(), i))
			b.StartTimer()
			firstReconcile(b, cfg)
		}
	})
}

// createWidget creates namespace ns and a Widget in it.
func createWidget(tb testing.TB, cfg *restclient.Config, ns string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dyn, err := cgdynamic.NewForConfig(cfg)
	require.NoError(tb, err)
	_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx,
		&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}, metav1.CreateOptions{})
	require.NoError(tb, err)
	_, err = dyn.Resource(widgetsV1).Namespace(ns).Create(ctx, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.kdyn.dev/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"},
		"spec": map[string]any{"replicas": int64(1)}}}, metav1.CreateOptions{})
	require.NoError(tb, err)
}

// firstReconcile starts a manager against cfg and returns once it has
// reconciled a Widget, stopping it.
func firstReconcile(tb testing.TB, cfg *restclient.Config) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := startWidgetOperator(ctx, tb, cfg, nil)
	select {
	case <-done:
	case <-ctx.Done():
		tb.Fatal("no reconcile within a minute")
	}
}
