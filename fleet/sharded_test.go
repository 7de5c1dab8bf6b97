package fleet

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// link is a connection from one replica to the management cluster that a
// test can cut, as a network partition does: while cut, requests hang
// until their client gives up.
type link struct {
	srv    *httptest.Server
	cut    atomic.Bool
	closed chan struct{} // ends the requests a cut holds, when the test ends
}

func newLink(t testing.TB, target string) *link {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	l := &link{closed: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(u)
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.cut.Load() {
			select {
			case <-r.Context().Done():
			case <-l.closed:
			}
			http.Error(w, "cut", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(l.closed)
		l.srv.Close()
	})
	return l
}

// replica is one replica of a sharded fleet under test.
type replica struct {
	name string
	f    *Fleet
	link *link
	stop context.CancelFunc
	done chan error
}

// shardTiming is short, so that the tests take seconds: a renewal every
// sixth of the lease duration.
const shardLease = 2 * time.Second

// startReplicas starts replicas with the given names, each adding every
// member, all reaching the management cluster at mgmtURL through their own
// link; serving is recorded in s.
func startReplicas(t *testing.T, mgmtURL string, names, members []string, s *served) map[string]*replica {
	t.Helper()
	out := map[string]*replica{}
	for _, name := range names {
		out[name] = startReplica(t, mgmtURL, name, members, s)
	}
	return out
}

func startReplica(t *testing.T, mgmtURL, name string, members []string, s *served) *replica {
	t.Helper()
	r := &replica{name: name, link: newLink(t, mgmtURL), done: make(chan error, 1)}
	rc, err := rest.NewClient(&rest.Config{Host: r.link.srv.URL, MaxRetries: -1, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	r.f, err = Sharded(Options{Serve: func(ctx context.Context, m *Member) {
		s.begin(m.Name(), name)
		<-ctx.Done()
		s.end(m.Name(), name)
	}}, Sharding{Client: dynamic.New(rc), Name: "test", Identity: name, LeaseDuration: shardLease, RenewPeriod: shardLease / 6})
	require.NoError(t, err)
	for _, m := range members {
		require.NoError(t, r.f.Add(m, &rest.Config{Host: "https://" + m + ".invalid"}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- r.f.Run(ctx) }()
	t.Cleanup(func() { r.leave(t) })
	return r
}

// leave ends the replica's Run and waits for it; a second call does nothing.
func (r *replica) leave(t *testing.T) {
	r.stop()
	select {
	case err, ok := <-r.done:
		if ok {
			assert.NoError(t, err)
			close(r.done)
		}
	case <-time.After(30 * time.Second):
		assert.Fail(t, "Run did not return", r.name)
	}
}

// expected is who serves each member when live replicas are up.
func expected(members, live []string) map[string]string {
	out := map[string]string{}
	for _, m := range members {
		out[m] = owner(m, live)
	}
	return out
}

// waitOwners waits until s shows want, and returns how long that took.
func waitOwners(t *testing.T, s *served, want map[string]string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !mapsEqual(s.owners(), want) {
		if time.Since(start) > within {
			require.Equal(t, want, s.owners(), "not served as expected after %v", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func memberNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("cluster-%02d", i)
	}
	return out
}

// TestShardedFailover: three replicas split 30 members; one is cut off
// from the management cluster (as good as killed: it cannot renew). Its
// members are taken over within two lease durations and none is ever
// served by two replicas at once; when it comes back it gets its share
// back, and a replica that leaves hands its share over at once.
func TestShardedFailover(t *testing.T) {
	mgmt := serve(t, recorded(t, "k8s-1.37"))
	members := memberNames(30)
	s := newServed(t)
	all := []string{"r0", "r1", "r2"}
	rs := startReplicas(t, mgmt.URL, all, members, s)

	waitOwners(t, s, expected(members, all), 10*shardLease)
	for _, name := range all {
		assert.NotEmpty(t, rs[name].f.Names(), "%s serves its share", name)
		assert.Len(t, rs[name].f.Names(), count(expected(members, all), name))
	}

	rs["r1"].link.cut.Store(true)
	took := waitOwners(t, s, expected(members, []string{"r0", "r2"}), 10*shardLease)
	t.Logf("r1's members taken over %v after it was cut off", took)
	assert.Less(t, took, 2*shardLease, "taken over within 2 lease durations")
	assert.Empty(t, rs["r1"].f.Names(), "r1 gave its members up")

	rs["r1"].link.cut.Store(false)
	waitOwners(t, s, expected(members, all), 10*shardLease)

	before := time.Now()
	rs["r2"].leave(t)
	took = waitOwners(t, s, expected(members, []string{"r0", "r1"}), 10*shardLease)
	t.Logf("r2's members taken over %v after it began to leave", time.Since(before))
	assert.Less(t, took, shardLease, "a replica that leaves deletes its Lease: no waiting for it to expire")

	assert.Empty(t, s.overlaps(), "no member served by two replicas at once")
	rs["r0"].leave(t)
	rs["r1"].leave(t)
	l, err := dynamic.New(mustClient(t, mgmt.Config())).Resource(leasesGVR).Namespace("default").List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, l.Items, "every replica deleted its Lease when it left")
}

func count(owners map[string]string, replica string) int {
	n := 0
	for _, r := range owners {
		if r == replica {
			n++
		}
	}
	return n
}

func mustClient(t *testing.T, cfg *rest.Config) *rest.Client {
	t.Helper()
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return rc
}

// TestShardedRestart: a replica that dies without deleting its Lease and
// comes back under the same identity (a pod restarted by its StatefulSet)
// waits for its old Lease to expire, takes it over, and serves its share
// again; nothing is served twice meanwhile.
func TestShardedRestart(t *testing.T) {
	mgmt := serve(t, recorded(t, "k8s-1.37"))
	members := memberNames(12)
	s := newServed(t)
	all := []string{"r0", "r1"}
	rs := startReplicas(t, mgmt.URL, all, members, s)
	waitOwners(t, s, expected(members, all), 10*shardLease)

	rs["r0"].link.cut.Store(true) // it can no longer delete its Lease
	rs["r0"].leave(t)
	waitOwners(t, s, expected(members, []string{"r1"}), 10*shardLease)

	startReplica(t, mgmt.URL, "r0", members, s)
	waitOwners(t, s, expected(members, all), 10*shardLease)
	assert.Empty(t, s.overlaps())

	leases, err := newLeaseClient(dynamic.New(mustClient(t, mgmt.Config())), "default", "test").list(context.Background())
	require.NoError(t, err)
	assert.Len(t, leases, 2, "the old Lease was taken over, not duplicated")
}

// TestShardAdoptsItsLease: a Lease this process created although its create
// seemed to fail (written by the server, the answer lost) is renewed from
// then on, not created again and again.
func TestShardAdoptsItsLease(t *testing.T) {
	mgmt := serve(t, recorded(t, "k8s-1.37"))
	s := newServed(t)
	rc := mustClient(t, mgmt.Config())
	f, err := Sharded(Options{Serve: func(ctx context.Context, m *Member) {
		s.begin(m.Name(), "r0")
		<-ctx.Done()
		s.end(m.Name(), "r0")
	}}, Sharding{Client: dynamic.New(rc), Name: "test", Identity: "r0", LeaseDuration: shardLease, RenewPeriod: shardLease / 6})
	require.NoError(t, err)
	require.NoError(t, f.Add("a", &rest.Config{Host: "https://a.invalid"}))
	// What a create whose answer was lost leaves behind.
	lc := newLeaseClient(dynamic.New(rc), "default", "test")
	_, err = lc.create(context.Background(), lease{name: f.shard.name, identity: "r0", epoch: f.shard.epoch, duration: shardLease})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitOwners(t, s, map[string]string{"a": "r0"}, 10*shardLease)
	leases, err := lc.list(context.Background())
	require.NoError(t, err)
	assert.Len(t, leases, 1)
	cancel()
	require.NoError(t, <-done)
	leases, err = lc.list(context.Background())
	require.NoError(t, err)
	assert.Empty(t, leases, "deleted when the replica left")
}
