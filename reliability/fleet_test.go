package reliability

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/fleet"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// fleetRounds runs the fleet churn test for more rounds:
//
//	go test -run TestFleetChurn -v ./reliability/ -args -fleet-rounds 20
var fleetRounds = flag.Int("fleet-rounds", 2, "rounds of adding and removing 1,000 members in TestFleetChurn")

// TestFleetChurn adds 1,000 members, has each discover and map a kind,
// removes them all, and does it again: a removed member leaves nothing
// behind, so the live heap ends where the first round left it (within
// 10%), and the stores that members share documents through are empty.
// The members reach one fixture server at URLs of their own.
func TestFleetChurn(t *testing.T) {
	const members = 1000
	srv := fixture.NewServer(fixture.Synthetic(20, 4))
	t.Cleanup(srv.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		if i := strings.IndexByte(r.URL.Path[1:], '/'); i >= 0 {
			r2.URL.Path = r.URL.Path[i+1:]
		}
		srv.ServeHTTP(w, r2)
	}))
	t.Cleanup(front.Close)
	f := fleet.New(fleet.Options{})
	ds, ms := f.Stores()
	gk := schema.GroupKind{Group: "group007.example.com", Kind: "Widget002"}
	round := func() {
		for i := range members {
			require.NoError(t, f.Add(fmt.Sprintf("m%04d", i), &rest.Config{Host: fmt.Sprintf("%s/m%04d", front.URL, i), WarningHandler: rest.NoWarnings{}}))
		}
		for name, err := range f.Each(context.Background(), func(ctx context.Context, m *fleet.Member) error {
			_, err := m.Mapper().RESTMappingWithContext(ctx, gk)
			return err
		}) {
			require.NoError(t, err, name)
		}
		assert.Equal(t, discovery.StoreStats{Documents: 2, Views: 1}, ds.Stats(), "one API set for 1,000 members")
		for _, name := range f.Names() {
			f.Remove(name)
		}
		require.Eventually(t, func() bool {
			runtime.GC()
			return ds.Stats() == discovery.StoreStats{} && ms.Stats() == restmapper.StoreStats{}
		}, 10*time.Second, 10*time.Millisecond, "the stores forget removed members: %+v %+v", ds.Stats(), ms.Stats())
	}
	round() // the first round builds what lives on: transports, code paths, the server's own state
	start := heap()
	for range *fleetRounds {
		round()
	}
	end := heap()
	t.Logf("live heap after the first round %s, after %d more rounds of 1,000 members added and removed %s", mib(start), *fleetRounds, mib(end))
	assert.LessOrEqual(t, float64(end), 1.1*float64(start), "the heap ends within 10%% of where it started")
	assert.Empty(t, f.Names())
}
