package reliability

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

var (
	configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// env is a fixture server behind the chaos handler, and clients for it.
type env struct {
	srv   *fixture.Server
	chaos *chaos
	front *httptest.Server
	rc    *rest.Client
	dyn   *dynamic.Client
}

// newEnv serves cluster through a chaos handler (no faults until setRate).
func newEnv(t testing.TB, cluster *fixture.Cluster) *env {
	t.Helper()
	srv := fixture.NewServer(cluster)
	t.Cleanup(srv.Close)
	return newEnvOn(t, srv)
}

// newEnvOn puts a chaos handler in front of srv.
func newEnvOn(t testing.TB, srv *fixture.Server) *env {
	t.Helper()
	ch := newChaos(srv)
	front := httptest.NewServer(ch)
	t.Cleanup(front.Close)
	rc, err := rest.NewClient(&rest.Config{Host: front.URL, Timeout: 10 * time.Second, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return &env{srv: srv, chaos: ch, front: front, rc: rc, dyn: dynamic.New(rc)}
}

// typed reports whether err is one callers can act on: an API error
// (apierrors.APIStatus) or a request that got no usable response
// (*rest.RequestError).
func typed(err error) bool {
	var st apierrors.APIStatus
	var re *rest.RequestError
	return errors.As(err, &st) || errors.As(err, &re)
}

func configMap(ns, name string, annotations map[string]any) *unstructured.Unstructured {
	md := map[string]any{"name": name, "namespace": ns}
	if annotations != nil {
		md["annotations"] = annotations
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": map[string]any{"k": name},
	}}
}

func namespace(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
}

// heap returns HeapAlloc after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex // guards d
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile (0..1) of the collected durations.
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

func errorAs[T any](err error, target *T) bool { return errors.As(err, target) }

func isNoMatch(err error) bool { return meta.IsNoMatchError(err) }
