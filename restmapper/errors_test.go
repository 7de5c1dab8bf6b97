package restmapper

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
)

// mappedError names its failures by map.
type mappedError map[schema.GroupVersion]error

func (e mappedError) Error() string                                      { return "partial" }
func (e mappedError) FailedGroupVersions() map[schema.GroupVersion]error { return e }

func TestFailuresOf(t *testing.T) {
	batch := schema.GroupVersion{Group: "batch", Version: "v1"}
	down := apierrors.NewServiceUnavailable("down")
	for _, tc := range []struct {
		name string
		err  error
		want map[schema.GroupVersion]error
	}{
		{"nil", nil, nil},
		{"plain", errors.New("boom"), nil},
		{"by map", mappedError{batch: down}, map[schema.GroupVersion]error{batch: down}},
		{"discovery", &discovery.PartialError{Failed: map[schema.GroupVersion]error{batch: down}}, map[schema.GroupVersion]error{batch: down}},
		{"wrapped", fmt.Errorf("discovery: %w", mappedError{batch: down}), map[schema.GroupVersion]error{batch: down}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, failuresOf(tc.err))
		})
	}
}

// partialGroups serves a group list with an error naming a failed group.
type partialGroups struct {
	*fakeDiscovery
	err error
}

func (p partialGroups) Groups(ctx context.Context) (*metav1.APIGroupList, error) {
	l, _ := p.fakeDiscovery.Groups(ctx)
	return l, p.err
}

func TestGroupListPartialFailure(t *testing.T) {
	f := twoGroups()
	batch := schema.GroupVersion{Group: "batch", Version: "v1"}
	d := partialGroups{f, &discovery.PartialError{Failed: map[schema.GroupVersion]error{batch: apierrors.NewNotFound(schema.GroupResource{}, "batch/v1")}}}
	m := New(d, Options{})
	ctx := context.Background()

	_, err := m.RESTMappingWithContext(ctx, deploymentGK)
	require.NoError(t, err)
	// batch/v1 still answered; its listing failed, so known kinds serve and
	// a miss names the failure.
	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "Job"})
	require.NoError(t, err)
	_, err = m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "batch", Kind: "CronJob"})
	var de *DiscoveryError
	require.ErrorAs(t, err, &de)
	assert.True(t, meta.IsNoMatchError(err))
	assert.Contains(t, err.Error(), "batch/v1")
}
