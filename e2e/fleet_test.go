package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fleet"
	"github.com/kdyn/kdyn/rest"
)

// cuttable is a transport a test can cut off from the server, as a network
// partition does: while cut, requests hang until their client gives up.
type cuttable struct {
	base http.RoundTripper
	cut  atomic.Bool
}

func (c *cuttable) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.cut.Load() {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	return c.base.RoundTrip(req)
}

// servedLog records which replica serves each member, and any member
// served by two at once.
type servedLog struct {
	mu    sync.Mutex // guards by and twice
	by    map[string]string
	twice []string
}

func (s *servedLog) begin(member, replica string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.by[member]; ok {
		s.twice = append(s.twice, fmt.Sprintf("%s by %s and %s", member, other, replica))
	}
	s.by[member] = replica
}

func (s *servedLog) end(member, replica string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by[member] == replica {
		delete(s.by, member)
	}
}

// of returns the members replica serves, sorted, and how many are served.
func (s *servedLog) of(replica string) ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for m, r := range s.by {
		if r == replica {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, len(s.by)
}

// TestFleetShardedFailover: three replicas split 30 members through Leases
// in the real API server; one is cut off (it cannot renew, as if killed).
// Its members are served by the two others within two lease durations,
// and no member is ever served by two replicas at once.
func TestFleetShardedFailover(t *testing.T) {
	const lease = 3 * time.Second
	members := make([]string, 30)
	for i := range members {
		members[i] = fmt.Sprintf("cluster-%02d", i)
	}
	log := &servedLog{by: map[string]string{}}
	links := map[string]*cuttable{}
	var runs sync.WaitGroup
	stops := map[string]context.CancelFunc{}
	for _, name := range []string{"r0", "r1", "r2"} {
		cfg, _ := countedConfig(t)
		link := &cuttable{base: cfg.Transport}
		cfg.Transport, links[name] = link, link
		rc, err := rest.NewClient(cfg)
		require.NoError(t, err)
		f, err := fleet.Sharded(fleet.Options{Serve: func(ctx context.Context, m *fleet.Member) {
			log.begin(m.Name(), name)
			<-ctx.Done()
			log.end(m.Name(), name)
		}}, fleet.Sharding{Client: dynamic.New(rc), Name: "e2e", Identity: name, LeaseDuration: lease, RenewPeriod: lease / 6})
		require.NoError(t, err)
		for _, m := range members {
			require.NoError(t, f.Add(m, &rest.Config{Host: "https://" + m + ".invalid"}))
		}
		ctx, cancel := context.WithCancel(context.Background())
		stops[name] = cancel
		runs.Go(func() { assert.NoError(t, f.Run(ctx)) })
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
		runs.Wait()
	})

	require.Eventually(t, func() bool { _, n := log.of("r1"); return n == len(members) }, 10*lease, 20*time.Millisecond,
		"every member served")
	lost, _ := log.of("r1")
	require.NotEmpty(t, lost, "r1 serves a share")

	links["r1"].cut.Store(true)
	cutAt := time.Now()
	require.Eventually(t, func() bool {
		mine, n := log.of("r1")
		return len(mine) == 0 && n == len(members)
	}, 10*lease, 20*time.Millisecond, "r1's members served by the others")
	took := time.Since(cutAt)
	t.Logf("r1's %d members taken over %v after it was cut off (lease %v)", len(lost), took, lease)
	assert.Less(t, took, 2*lease)
	log.mu.Lock()
	assert.Empty(t, log.twice, "no member served twice at once")
	log.mu.Unlock()

	// Leaving deletes the Leases of the replicas that can still reach the server.
	stops["r0"]()
	stops["r2"]()
	cfg, _ := countedConfig(t)
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	leases := dynamic.New(rc).Resource(schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}).Namespace("default")
	require.Eventually(t, func() bool {
		l, err := leases.List(context.Background(), metav1.ListOptions{LabelSelector: "fleet.kdyn.dev/group=e2e"})
		return err == nil && len(l.Items) == 1 && l.Items[0].GetName() == "e2e-r1"
	}, 10*lease, 50*time.Millisecond, "only the cut replica's Lease is left")
	require.NoError(t, leases.Delete(context.Background(), "e2e-r1", metav1.DeleteOptions{}))
}
