package bench

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	clientrest "k8s.io/client-go/rest"
	cgrestmapper "k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	kdiscovery "github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/restmapper"
)

// latency is the fixed delay of every fixture response: a close, idle API
// server.
const latency = 2 * time.Millisecond

// kindsPerGroup is the size of each synthetic CRD group, a typical operator's.
const kindsPerGroup = 4

// groupsFor keeps the cluster size in full runs and shrinks it twentyfold
// in -short runs, which only check that every workload still works.
func groupsFor(n int) int {
	if testing.Short() {
		return max(n/20, 1)
	}
	return n
}

// serve starts a fixture server for a synthetic cluster of groups groups,
// with the fixed latency.
func serve(tb testing.TB, groups int, opts ...fixture.Option) *fixture.Server {
	tb.Helper()
	srv := fixture.NewServer(fixture.Synthetic(groups, kindsPerGroup), append([]fixture.Option{fixture.WithLatency(latency)}, opts...)...)
	tb.Cleanup(srv.Close)
	return srv
}

// target is the CRD kind every mapping workload looks up: one in the middle
// of the group list, so no client is lucky with ordering.
type target struct {
	gk       schema.GroupKind
	gvr      schema.GroupVersionResource
	short    string
	singular string
}

func targetOf(groups int) target {
	g := groups / 2
	group := fmt.Sprintf("group%03d.example.com", g)
	return target{
		gk:       schema.GroupKind{Group: group, Kind: "Widget001"},
		gvr:      schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widget001s"},
		short:    fmt.Sprintf("w001g%03d", g),
		singular: "widget001",
	}
}

// check fails b unless m maps the target to its preferred version.
func (t target) check(tb testing.TB, m *meta.RESTMapping, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	if m.Resource != t.gvr {
		tb.Fatalf("mapping: got %v, want %v", m.Resource, t.gvr)
	}
}

// kdynMapper is kdyn's mapper with default settings.
func kdynMapper(tb testing.TB, srv *fixture.Server, opts kdiscovery.Options) *restmapper.Mapper {
	tb.Helper()
	d, err := kdiscovery.NewForConfig(srv.Config(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return restmapper.New(d, restmapper.Options{})
}

// clientGoConfig is a client-go rest.Config for srv that leaves QPS and Burst
// 0, so client-go applies its defaults (QPS 5; discovery Burst 300).
func clientGoConfig(srv *fixture.Server) *clientrest.Config {
	return &clientrest.Config{Host: srv.URL}
}

// clientGoMapper is what client-go users build: a discovery client behind a
// memory cache behind the deferred discovery mapper.
func clientGoMapper(tb testing.TB, srv *fixture.Server) *cgrestmapper.DeferredDiscoveryRESTMapper {
	tb.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(clientGoConfig(srv))
	if err != nil {
		tb.Fatal(err)
	}
	return cgrestmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
}

// clientGoExpander is kubectl's mapper: the deferred mapper with short
// names expanded from discovery.
func clientGoExpander(tb testing.TB, srv *fixture.Server) meta.RESTMapper {
	tb.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(clientGoConfig(srv))
	if err != nil {
		tb.Fatal(err)
	}
	cached := memory.NewMemCacheClient(dc)
	return cgrestmapper.NewShortcutExpander(cgrestmapper.NewDeferredDiscoveryRESTMapper(cached), cached, func(string) {})
}

// crMapper is controller-runtime's dynamic mapper with its defaults.
func crMapper(tb testing.TB, srv *fixture.Server) meta.RESTMapper {
	tb.Helper()
	cfg := clientGoConfig(srv)
	hc, err := clientrest.HTTPClientFor(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// peers names the clients in the order the report prints them.
var peers = []string{"kdyn", "client-go", "controller-runtime"}

// newMapper builds the named client's mapper for srv.
func newMapper(tb testing.TB, name string, srv *fixture.Server) meta.RESTMapper {
	switch name {
	case "kdyn":
		return kdynMapper(tb, srv, kdiscovery.Options{})
	case "client-go":
		return clientGoMapper(tb, srv)
	case "controller-runtime":
		return crMapper(tb, srv)
	}
	tb.Fatalf("unknown client %q", name)
	return nil
}

// reportRequests reports the requests srv answered since before, per op.
func reportRequests(b *testing.B, srv *fixture.Server, before fixture.Stats) {
	after := srv.Stats()
	n := float64(b.N)
	b.ReportMetric(float64(after.Requests-before.Requests)/n, "requests/op")
	b.ReportMetric(float64(after.BodyBytes-before.BodyBytes)/n, "body-B/op")
}

// slow delays every response of h by latency, as the fixture server does.
func slow(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		h(w, r)
	})
}
