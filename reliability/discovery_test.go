package reliability

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/restmapper"
)

// TestDiscoveryUnderFaults refreshes discovery again and again through the
// chaos handler (20% of requests faulted), in both views: every refresh
// ends in the server's full answer or a typed error, never in a torn or
// partial document presented as success; the mapper answers from the last
// good data throughout.
func TestDiscoveryUnderFaults(t *testing.T) {
	for _, view := range []struct {
		name      string
		opts      []fixture.Option
		refreshes int // legacy makes 2+N requests a refresh, aggregated 2
	}{{"aggregated", nil, 300}, {"legacy", []fixture.Option{fixture.WithoutAggregated()}, 100}} {
		t.Run(view.name, func(t *testing.T) {
			ctx := context.Background()
			srv := fixture.NewServer(fixture.Synthetic(10, 2), view.opts...)
			t.Cleanup(srv.Close)
			e := newEnvOn(t, srv)
			disc := discovery.New(e.rc, discovery.Options{})
			_, want, err := disc.GroupsAndResources(ctx)
			require.NoError(t, err)
			mapper := restmapper.New(disc, restmapper.Options{})
			gk := schema.GroupKind{Group: groupName(3), Kind: "Widget001"}
			_, err = mapper.RESTMappingWithContext(ctx, gk)
			require.NoError(t, err)

			e.chaos.setRate(faultRate)
			failed, partial := 0, 0
			for range view.refreshes {
				disc.Invalidate()
				_, got, err := disc.GroupsAndResources(ctx)
				var pe *discovery.PartialError
				switch {
				case err == nil:
					assert.Equal(t, want, got, "a refresh that succeeded serves the server's documents")
				case errors.As(err, &pe):
					partial++
				case typed(err):
					failed++
				default:
					t.Errorf("untyped error: %T: %v", err, err)
				}
				_, err = mapper.RESTMappingWithContext(ctx, gk)
				assert.NoError(t, err, "the mapper answers from the last good data")
			}
			e.chaos.setRate(0)
			_, injected := e.chaos.injected()
			t.Logf("%d refreshes, %d requests, %d faults: %d failed, %d partial",
				view.refreshes, e.chaos.requests.Load(), injected, failed, partial)
			disc.Invalidate()
			_, got, err := disc.GroupsAndResources(ctx)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}
