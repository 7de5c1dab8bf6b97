package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

const (
	outageGroups = 50
	brokenGroup  = 17
	outageTTL    = 300 * time.Millisecond
)

func groupName(i int) string { return fmt.Sprintf("group%03d.example.com", i) }

// widgets is the GroupKind of the first kind of synthetic group i,
// namespaced.
func widgets(i int) schema.GroupKind { return schema.GroupKind{Group: groupName(i), Kind: "Widget000"} }

// TestPartialOutage breaks one group of 50 (its aggregated API server
// answers 503, or the aggregated document marks it Stale) and checks that
// the mapper still maps, and the dynamic client still serves, the other 49;
// the broken group fails with a typed error; once the group recovers, the
// next refresh clears the error.
func TestPartialOutage(t *testing.T) {
	down := func(s *fixture.Server) { s.FailGroup(groupName(brokenGroup), 503) }
	stale := func(s *fixture.Server) {
		s.MarkStale(groupName(brokenGroup), "v1")
		s.MarkStale(groupName(brokenGroup), "v1beta1")
	}
	tests := []struct {
		name       string
		serverOpts []fixture.Option
		breakIt    []func(*fixture.Server)
		// warm breaks the group after a first full discovery, then resets
		// the mapper and invalidates discovery: the last good data is kept.
		warm bool
		// mapped is whether the broken group still maps, served whether
		// its objects are still served (a Stale entry says nothing of them).
		mapped, served bool
	}{
		{"legacy, group answers 503", []fixture.Option{fixture.WithoutAggregated()}, all(down), false, false, false},
		{"aggregated, group answers 503 and is Stale", nil, all(down, stale), false, false, false},
		{"aggregated, group Stale", nil, all(stale), false, false, true},
		{"legacy, group answers 503 after a first discovery", []fixture.Option{fixture.WithoutAggregated()}, all(down), true, true, false},
		{"aggregated, group Stale after a first discovery", nil, all(down, stale), true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := fixture.NewServer(fixture.Synthetic(outageGroups, 2), tt.serverOpts...)
			t.Cleanup(srv.Close)
			cfg := srv.Config()
			cfg.WarningHandler = rest.NoWarnings{}
			rc, err := rest.NewClient(cfg)
			require.NoError(t, err)
			t.Cleanup(rc.CloseIdleConnections)
			disc := discovery.New(rc, discovery.Options{TTL: outageTTL})
			mapper := restmapper.New(disc, restmapper.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
			dyn := dynamic.NewMapped(dynamic.New(rc), mapper)
			if tt.warm {
				_, err := mapper.RESTMappingWithContext(ctx, widgets(brokenGroup))
				require.NoError(t, err)
			}
			for _, b := range tt.breakIt {
				b(srv)
			}
			if tt.warm {
				disc.Invalidate()
				mapper.Reset()
			}

			for i := range outageGroups {
				gk := widgets(i)
				m, err := mapper.RESTMappingWithContext(ctx, gk)
				if i == brokenGroup && !tt.mapped {
					assert.Error(t, err, "the broken group does not map")
					assert.True(t, typedMapperError(err), "%T: %v", err, err)
					continue
				}
				require.NoError(t, err, "group %d keeps mapping", i)
				assert.Equal(t, "widget000s", m.Resource.Resource)
				res, err := dyn.ForKind(ctx, gk.WithVersion(""))
				require.NoError(t, err)
				_, err = res.Namespace("default").List(ctx, metav1.ListOptions{})
				if i == brokenGroup && !tt.served {
					assert.True(t, apierrors.IsServiceUnavailable(err), "%v", err)
					continue
				}
				assert.NoError(t, err, "group %d keeps serving", i)
			}
			gvr := schema.GroupVersionResource{Group: groupName(brokenGroup), Version: "v1", Resource: "widget000s"}
			_, err = dynamic.New(rc).Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{})
			if tt.served {
				assert.NoError(t, err)
			} else {
				assert.True(t, apierrors.IsServiceUnavailable(err), "%v", err)
			}
			_, _, err = disc.GroupsAndResources(ctx)
			var pe *discovery.PartialError
			require.ErrorAs(t, err, &pe, "discovery names the failed group-versions")
			for gv := range pe.Failed {
				assert.Equal(t, groupName(brokenGroup), gv.Group)
			}

			srv.ClearFaults()
			time.Sleep(20 * time.Millisecond) // past the mapper's backoff
			m, err := mapper.RESTMappingWithContext(ctx, widgets(brokenGroup))
			require.NoError(t, err, "the next refresh after recovery maps the group")
			assert.Equal(t, "widget000s", m.Resource.Resource)
			res, err := dyn.ForKind(ctx, widgets(brokenGroup).WithVersion(""))
			require.NoError(t, err)
			_, err = res.Namespace("default").List(ctx, metav1.ListOptions{})
			assert.NoError(t, err, "the recovered group serves")
			// A lookup the last good data answers makes no request, so
			// discovery's own error clears at its next refresh: the TTL's.
			time.Sleep(outageTTL)
			_, _, err = disc.GroupsAndResources(ctx)
			assert.NoError(t, err, "discovery's error is cleared at the next refresh")
		})
	}
}

// typedMapperError reports an error of the mapper that callers can act
// on: the mapper's *restmapper.DiscoveryError or a no-match error.
func typedMapperError(err error) bool {
	var de *restmapper.DiscoveryError
	return errorAs(err, &de) || isNoMatch(err)
}

func all(fs ...func(*fixture.Server)) []func(*fixture.Server) { return fs }
