package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	clientrest "k8s.io/client-go/rest"
	cgrestmapper "k8s.io/client-go/restmapper"

	kdiscovery "github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/fleet"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// The fleet workloads (issue 15): many clusters from one process. One
// fixture server per API set stands for many clusters: each member reaches
// it at a URL of its own (/m0042/apis, ...), through a front that strips
// the prefix, and has its own clients, so it fetches and revalidates on
// its own.

// fleetSize keeps a fleet's size in full runs and shrinks it twentyfold in
// -short runs.
func fleetSize(n int) int {
	if testing.Short() {
		return max(n/20, 2)
	}
	return n
}

// fleetEnv serves variants API sets, each of about groups CRD groups.
type fleetEnv struct {
	groups  int
	servers []*fixture.Server
	fronts  []*httptest.Server
}

func newFleetEnv(tb testing.TB, groups, variants int, opts ...fixture.Option) *fleetEnv {
	tb.Helper()
	e := &fleetEnv{groups: groups}
	for v := range variants {
		// Each variant serves one group more than the last: documents that
		// differ byte for byte.
		srv := fixture.NewServer(fixture.Synthetic(groups+v, kindsPerGroup), opts...)
		tb.Cleanup(srv.Close)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r2 := r.Clone(r.Context())
			if i := strings.IndexByte(r.URL.Path[1:], '/'); i >= 0 {
				r2.URL.Path = r.URL.Path[i+1:]
			}
			srv.ServeHTTP(w, r2)
		}))
		tb.Cleanup(front.Close)
		e.servers, e.fronts = append(e.servers, srv), append(e.fronts, front)
	}
	return e
}

// host is member i's URL: its variant's front, under a prefix of its own.
func (e *fleetEnv) host(i int) string {
	return fmt.Sprintf("%s/m%04d", e.fronts[i%len(e.fronts)].URL, i)
}

func (e *fleetEnv) config(i int) *rest.Config {
	return &rest.Config{Host: e.host(i), WarningHandler: rest.NoWarnings{}}
}

// stats sums the servers' requests and 304 answers.
func (e *fleetEnv) stats() (requests, notModified int) {
	for _, s := range e.servers {
		st := s.Stats()
		requests, notModified = requests+st.Requests, notModified+st.NotModified
	}
	return requests, notModified
}

// mapEvery maps a kind in each of the env's groups, as a controller that
// watches one kind of every CRD group would: every group's index is built.
func (e *fleetEnv) mapEvery(ctx context.Context, m meta.RESTMapper) error {
	for g := range e.groups {
		gk := schema.GroupKind{Group: fmt.Sprintf("group%03d.example.com", g), Kind: "Widget001"}
		var err error
		if mc, ok := m.(meta.RESTMapperWithContext); ok {
			_, err = mc.RESTMappingWithContext(ctx, gk)
		} else {
			_, err = m.RESTMapping(gk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// newFleet adds members members of e to a new fleet.
func (e *fleetEnv) newFleet(tb testing.TB, members int, opts fleet.Options) *fleet.Fleet {
	tb.Helper()
	f := fleet.New(opts)
	for i := range members {
		if err := f.Add(fmt.Sprintf("m%04d", i), e.config(i)); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// each runs fn in every member and fails tb on the first error.
func each(tb testing.TB, f *fleet.Fleet, fn func(context.Context, *fleet.Member) error) {
	tb.Helper()
	for name, err := range f.Each(context.Background(), fn) {
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
}

// removeAll removes every member, closing their idle connections.
func removeAll(f *fleet.Fleet) {
	for _, name := range f.Names() {
		f.Remove(name)
	}
}

// BenchmarkFleetHeap is the memory a fleet keeps for discovery and mapping:
// the heap still reachable, after a full GC, once every member has mapped
// a kind in each of its 200 CRD groups. "one" is a single cluster's kdyn
// discovery client and mapper; the members of a fleet share equal
// documents and indexes. client-go is a memory-cached discovery client and
// a deferred mapper per cluster. ns/op is the time to build and warm the
// whole fleet.
func BenchmarkFleetHeap(b *testing.B) {
	groups := groupsFor(200)
	b.Run("one/kdyn", func(b *testing.B) {
		env := newFleetEnv(b, groups, 1)
		var retained uint64
		for b.Loop() {
			retained += retainedBy(b, func() meta.RESTMapper {
				d, err := kdiscovery.NewForConfig(env.config(0), kdiscovery.Options{})
				if err != nil {
					b.Fatal(err)
				}
				m := restmapper.New(d, restmapper.Options{})
				if err := env.mapEvery(context.Background(), m); err != nil {
					b.Fatal(err)
				}
				return m
			})
		}
		b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
	})
	for _, c := range []struct{ members, variants int }{{100, 1}, {1000, 1}, {1000, 10}} {
		members := fleetSize(c.members)
		b.Run(fmt.Sprintf("members=%d/variants=%d/kdyn", members, c.variants), func(b *testing.B) {
			env := newFleetEnv(b, groups, c.variants)
			var retained uint64
			for b.Loop() {
				var f *fleet.Fleet
				retained += retainedBy(b, func() *fleet.Fleet {
					f = env.newFleet(b, members, fleet.Options{})
					each(b, f, func(ctx context.Context, m *fleet.Member) error { return env.mapEvery(ctx, m.Mapper()) })
					return f
				})
				b.StopTimer()
				removeAll(f)
				b.StartTimer()
			}
			b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
			b.ReportMetric(float64(retained)/float64(b.N)/float64(members), "retained-B/member")
		})
	}
	clusters := fleetSize(100)
	b.Run(fmt.Sprintf("members=%d/variants=1/client-go", clusters), func(b *testing.B) {
		env := newFleetEnv(b, groups, 1)
		var retained uint64
		for b.Loop() {
			retained += retainedBy(b, func() []meta.RESTMapper {
				out := make([]meta.RESTMapper, clusters)
				for i := range out {
					dc, err := discovery.NewDiscoveryClientForConfig(&clientrest.Config{Host: env.host(i)})
					if err != nil {
						b.Fatal(err)
					}
					out[i] = cgrestmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
					if err := env.mapEvery(context.Background(), out[i]); err != nil {
						b.Fatal(err)
					}
				}
				return out
			})
		}
		b.ReportMetric(float64(retained)/float64(b.N), "retained-B")
		b.ReportMetric(float64(retained)/float64(b.N)/float64(clusters), "retained-B/member")
	})
}

// BenchmarkFleetRequests counts what the members of a fleet ask their
// clusters: cold, each member's first mapping; steady, each member's
// discovery after its TTL. ns/op is the time of the cold mappings of the
// whole fleet.
func BenchmarkFleetRequests(b *testing.B) {
	const ttl = time.Second
	groups := groupsFor(200)
	members := fleetSize(1000)
	env := newFleetEnv(b, groups, 1, fixture.WithLatency(latency))
	gk := targetOf(groups).gk
	b.Run(fmt.Sprintf("members=%d/kdyn", members), func(b *testing.B) {
		var cold, steady, notModified int
		for b.Loop() {
			b.StopTimer()
			f := env.newFleet(b, members, fleet.Options{Discovery: kdiscovery.Options{TTL: ttl}})
			r0, _ := env.stats()
			b.StartTimer()
			each(b, f, func(ctx context.Context, m *fleet.Member) error {
				_, err := m.Mapper().RESTMappingWithContext(ctx, gk)
				return err
			})
			b.StopTimer()
			r1, n1 := env.stats()
			time.Sleep(ttl + ttl/10 + 100*time.Millisecond) // past every member's TTL, jitter included
			each(b, f, func(ctx context.Context, m *fleet.Member) error {
				_, err := m.Discovery().Groups(ctx)
				return err
			})
			r2, n2 := env.stats()
			cold, steady, notModified = cold+r1-r0, steady+r2-r1, notModified+n2-n1
			removeAll(f)
			b.StartTimer()
		}
		per := float64(b.N * members)
		b.ReportMetric(float64(cold)/per, "cold-requests/member")
		b.ReportMetric(float64(steady)/per, "ttl-requests/member")
		b.ReportMetric(float64(notModified)/per, "ttl-304s/member")
	})
}

// BenchmarkFleetFaults fans a mapping, a list and a read of all discovery
// out to 100 clusters of 50 CRD groups, of which one is down, one has an
// aggregated API server that fails (Stale in discovery, 503 on its paths)
// and one hangs, beside the same fan-out to the 97 healthy ones alone. It reports when the last healthy member
// answered, from the start of the fan-out, in both runs: the faults must
// not hold the healthy back. Each failure must be a *fleet.ClusterError
// naming its cluster.
func BenchmarkFleetFaults(b *testing.B) {
	groups := groupsFor(50)
	env := newFleetEnv(b, groups, 1, fixture.WithLatency(latency))
	broken := fixture.NewServer(fixture.Synthetic(groups, kindsPerGroup), fixture.WithLatency(latency),
		fixture.WithStale("group001.example.com", "v1"), fixture.WithGroupError("group001.example.com", http.StatusServiceUnavailable))
	b.Cleanup(broken.Close)
	hanging := fixture.NewServer(fixture.Synthetic(groups, kindsPerGroup), fixture.WithLatency(time.Hour))
	b.Cleanup(hanging.Close)
	dead := fixture.NewServer(fixture.Synthetic(1, 1))
	dead.Close()
	faulty := map[string]*rest.Config{"down": dead.Config(), "broken": broken.Config(), "hang": hanging.Config()}
	const healthy = 97
	gk := targetOf(groups).gk
	work := func(ctx context.Context, m *fleet.Member) error {
		mapping, err := m.Mapper().RESTMappingWithContext(ctx, gk)
		if err != nil {
			return err
		}
		if _, err := m.Dynamic().Resource(mapping.Resource).List(ctx, metav1.ListOptions{}); err != nil {
			return err
		}
		_, _, err = m.Discovery().GroupsAndResources(ctx)
		return err
	}
	for _, withFaults := range []bool{false, true} {
		b.Run(fmt.Sprintf("faults=%t/kdyn", withFaults), func(b *testing.B) {
			var last time.Duration
			for b.Loop() {
				// The hanging member's discovery refresh, shared and so detached
				// from its caller, ends with the discovery Timeout.
				f := env.newFleet(b, healthy, fleet.Options{EachTimeout: 10 * time.Second, Discovery: kdiscovery.Options{Timeout: 10 * time.Second}})
				if withFaults {
					for name, cfg := range faulty {
						cfg.MaxRetries = -1
						if err := f.Add(name, cfg); err != nil {
							b.Fatal(err)
						}
					}
				}
				var mu sync.Mutex
				var done []time.Duration
				start := time.Now()
				errs := f.Each(context.Background(), func(ctx context.Context, m *fleet.Member) error {
					err := work(ctx, m)
					if _, bad := faulty[m.Name()]; !bad {
						mu.Lock()
						done = append(done, time.Since(start))
						mu.Unlock()
					}
					return err
				})
				checkFaults(b, errs, withFaults)
				last += slices.Max(done)
				removeAll(f)
			}
			b.ReportMetric(float64(last)/float64(b.N), "last-healthy-ns")
		})
	}
}

// checkFaults fails b unless the healthy members succeeded and each faulty
// one failed with a *fleet.ClusterError naming it.
func checkFaults(b *testing.B, errs map[string]error, withFaults bool) {
	b.Helper()
	for name, err := range errs {
		_, bad := map[string]bool{"down": true, "broken": true, "hang": true}[name]
		switch {
		case !bad && err != nil:
			b.Fatalf("healthy member %s: %v", name, err)
		case bad:
			var ce *fleet.ClusterError
			if !errors.As(err, &ce) || ce.Cluster != name {
				b.Fatalf("member %s: want a *fleet.ClusterError naming it, got %v", name, err)
			}
		}
	}
	if want := map[bool]int{false: 97, true: 100}[withFaults]; len(errs) != want {
		b.Fatalf("%d results, want %d", len(errs), want)
	}
}
