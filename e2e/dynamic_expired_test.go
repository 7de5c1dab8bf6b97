package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kdyn/kdyn/dynamic"
)

// TestDynamicExpiredContinue: once etcd has compacted past the
// resourceVersion of a continue token, the server answers 410 Expired to it,
// and kdyn's List and All both report it as an *ExpiredError telling the
// caller to relist.
//
// PodTemplates, not ConfigMaps: with ListFromCacheSnapshot (beta, on by
// default since 1.34) the watch cache serves a continue token from its own
// snapshot, which it drops only once the apiserver learns of a compaction
// through compact_rev_key (its own compaction loop, every 5 minutes), so a
// ConfigMap token outlives CompactEtcd. PodTemplates bypass the watch cache
// (see TestMain), so their continue reads from etcd.
func TestDynamicExpiredContinue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-expired")
	dyn, count := newDynamic(t, dynamic.Options{})
	pts := dyn.Resource(podTemplatesV1).Namespace(ns)

	const total = 30
	for i := range total {
		_, err := pts.Create(ctx, podTemplate(fmt.Sprintf("pt-%02d", i)), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	// expire writes once, so that etcd's revision moves past every token
	// handed out so far, then compacts etcd up to that revision.
	writes := 0
	expire := func() {
		t.Helper()
		writes++
		_, err := pts.Create(ctx, podTemplate(fmt.Sprintf("late-%d", writes)), metav1.CreateOptions{})
		require.NoError(t, err)
		require.NoError(t, srv.CompactEtcd(ctx))
	}

	first, err := pts.List(ctx, metav1.ListOptions{Limit: 10})
	require.NoError(t, err)
	require.Len(t, first.Items, 10)
	token := first.GetContinue()
	require.NotEmpty(t, token)
	expire()

	// A caller paging by hand gets the same typed error as All.
	t.Run("List", func(t *testing.T) {
		_, err := pts.List(ctx, metav1.ListOptions{Limit: 10, Continue: token})
		assertExpired(t, err, token)
	})

	t.Run("client-go", func(t *testing.T) {
		cs, err := kubernetes.NewForConfig(srv.ClientGoConfig())
		require.NoError(t, err)
		_, err = cs.CoreV1().PodTemplates(ns).List(ctx, metav1.ListOptions{Limit: 10, Continue: token})
		var se *apierrors.StatusError
		require.ErrorAs(t, err, &se, "the server must refuse the token itself")
		assert.Equal(t, int32(http.StatusGone), se.Status().Code)
		assert.True(t, apierrors.IsResourceExpired(err), "%v", err)
	})

	t.Run("All from the token", func(t *testing.T) {
		var errs []error
		for obj, err := range pts.All(ctx, metav1.ListOptions{Limit: 10, Continue: token}) {
			assert.Nil(t, obj)
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		assertExpired(t, errs[0], token)
	})

	t.Run("All expiring between pages", func(t *testing.T) {
		count.take()
		objects, errs := 0, []error{}
		for _, err := range pts.All(ctx, metav1.ListOptions{Limit: 10}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			assert.Empty(t, errs, "an object after the error")
			if objects++; objects == 10 {
				expire() // before All asks for the second page
			}
		}
		assert.Equal(t, 10, objects)
		require.Len(t, errs, 1)
		var expired *dynamic.ExpiredError
		require.ErrorAs(t, errs[0], &expired)
		assertExpired(t, errs[0], expired.Continue)

		var lists []seen
		for _, r := range count.take() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/podtemplates") {
				lists = append(lists, r)
			}
		}
		require.Len(t, lists, 2, "the first page, then the refused continue")
		assert.Equal(t, http.StatusOK, lists[0].Status)
		assert.Equal(t, http.StatusGone, lists[1].Status)
		q, err := url.ParseQuery(lists[1].Query)
		require.NoError(t, err)
		assert.Equal(t, expired.Continue, q.Get("continue"), "the token of the first page")
	})

	t.Run("relist", func(t *testing.T) {
		n := 0
		for _, err := range pts.All(ctx, metav1.ListOptions{Limit: 10}) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, total+writes, n)
	})
}

// assertExpired checks that err is kdyn's *dynamic.ExpiredError for token,
// says to relist, and still reads as the server's 410 Expired to apierrors.
func assertExpired(t *testing.T, err error, token string) {
	t.Helper()
	var expired *dynamic.ExpiredError
	require.ErrorAs(t, err, &expired)
	assert.Equal(t, token, expired.Continue)
	assert.Contains(t, err.Error(), "relist")
	assert.True(t, apierrors.IsResourceExpired(err), "%v", err)
	assert.Equal(t, int32(http.StatusGone), expired.Err.Status().Code)
}
