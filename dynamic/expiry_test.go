package dynamic

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fixtureWatchHistory is how many events the fixture server keeps (its
// default, as an etcd compaction would leave them).
const fixtureWatchHistory = 1000

// TestFixtureExpiry: after more writes than the server keeps, a paged list
// cannot continue (ExpiredError) and a watch cannot resume (Gone).
func TestFixtureExpiry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _ := newFixtureClient(t, Options{})
	cms := c.Resource(configMaps).Namespace("default")
	for _, n := range []string{"p1", "p2"} {
		_, err := cms.Create(ctx, configMap(n, nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	start, err := cms.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)

	next, stop := iterPull(ctx, cms)
	defer stop()
	first, err := next()
	require.NoError(t, err)
	assert.Equal(t, "p1", first)

	for i := range fixtureWatchHistory + 1 {
		_, err := cms.Patch(ctx, "p1", types.MergePatchType, []byte(fmt.Sprintf(`{"data":{"i":"%d"}}`, i)), metav1.PatchOptions{})
		require.NoError(t, err)
	}

	_, err = next()
	var expired *ExpiredError
	require.ErrorAs(t, err, &expired, "the continue token's snapshot is gone")
	assert.True(t, apierrors.IsResourceExpired(err))

	w := cms.ResumingWatch(ctx, metav1.ListOptions{ResourceVersion: start.GetResourceVersion()})
	defer w.Stop()
	ev, ok := <-w.ResultChan()
	require.True(t, ok)
	assert.Equal(t, Gone, ev.Type, "%v", ev.Object)
	_, ok = <-w.ResultChan()
	assert.False(t, ok, "the watch ends after Gone")
}

// iterPull pages through the ConfigMaps one object per request, returning
// names one at a time.
func iterPull(ctx context.Context, r ResourceInterface) (func() (string, error), func()) {
	next, stop := iter.Pull2(r.All(ctx, metav1.ListOptions{Limit: 1}))
	return func() (string, error) {
		obj, err, ok := next()
		if !ok {
			return "", fmt.Errorf("no more objects")
		}
		if err != nil {
			return "", err
		}
		return obj.GetName(), nil
	}, stop
}
