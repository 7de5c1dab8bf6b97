package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/dynamic"
)

// TestLeaveAfterLostRenewal: a replica leaving right after a renewal whose
// answer it never got (its context ended while the request was in flight,
// but the server wrote it) still deletes its Lease. It used to delete with
// the resourceVersion it had last seen, got a Conflict, and left its Lease
// to expire, so its members waited a whole lease duration for a new owner.
func TestLeaveAfterLostRenewal(t *testing.T) {
	mgmt := serve(t, recorded(t, "k8s-1.37"))
	dyn := dynamic.New(mustClient(t, mgmt.Config()))
	f, err := Sharded(Options{}, Sharding{Client: dyn, Name: "test", Identity: "r0", LeaseDuration: 3 * time.Second})
	require.NoError(t, err)
	s := f.shard
	ctx := context.Background()
	require.NoError(t, s.renew(ctx, time.Now()))

	// The renewal that was written though its answer was lost.
	_, err = s.leases.update(ctx, s.own, false)
	require.NoError(t, err)

	s.leave()
	l, err := dyn.Resource(leasesGVR).Namespace("default").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, l.Items, "the leaving replica deleted its Lease")
}

// TestLeaveKeepsAnotherProcessLease: a replica that leaves never deletes a
// Lease of its name that another process holds (its successor).
func TestLeaveKeepsAnotherProcessLease(t *testing.T) {
	mgmt := serve(t, recorded(t, "k8s-1.37"))
	dyn := dynamic.New(mustClient(t, mgmt.Config()))
	f, err := Sharded(Options{}, Sharding{Client: dyn, Name: "test", Identity: "r0", LeaseDuration: 3 * time.Second})
	require.NoError(t, err)
	s := f.shard
	ctx := context.Background()
	require.NoError(t, s.renew(ctx, time.Now()))

	// A successor under the same identity took the Lease over.
	next := s.own
	next.epoch = "successor"
	_, err = s.leases.update(ctx, next, true)
	require.NoError(t, err)

	s.leave()
	l, err := dyn.Resource(leasesGVR).Namespace("default").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1, "the successor's Lease stays")
	assert.Equal(t, "successor", l.Items[0].GetAnnotations()[epochAnnotation])
}
