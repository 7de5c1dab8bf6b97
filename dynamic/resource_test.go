package dynamic

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	"k8s.io/apimachinery/pkg/types"
)

// TestRefusedBeforeSending covers calls that fail without a request.
func TestRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "unexpected request", http.StatusTeapot)
	}, Options{})
	r := c.Resource(deployments).Namespace("ns")
	withManaged := deployment()
	withManaged.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "m"}})
	noName := deployment()
	noName.SetName("")
	cases := map[string]func() error{
		"get without name":        func() error { _, err := r.Get(ctx, "", metav1.GetOptions{}); return err },
		"delete without name":     func() error { return r.Delete(ctx, "", metav1.DeleteOptions{}) },
		"patch without name":      func() error { _, err := r.Patch(ctx, "", types.MergePatchType, nil, metav1.PatchOptions{}); return err },
		"update without name":     func() error { _, err := r.Update(ctx, noName, metav1.UpdateOptions{}); return err },
		"update nil":              func() error { _, err := r.Update(ctx, nil, metav1.UpdateOptions{}); return err },
		"create nil":              func() error { _, err := r.Create(ctx, nil, metav1.CreateOptions{}); return err },
		"create sub without name": func() error { _, err := r.Create(ctx, noName, metav1.CreateOptions{}, "status"); return err },
		"apply without name": func() error {
			_, err := r.Apply(ctx, "", deployment(), metav1.ApplyOptions{FieldManager: "m"})
			return err
		},
		"apply without field manager": func() error { _, err := r.Apply(ctx, "web", deployment(), metav1.ApplyOptions{}); return err },
		"apply with managedFields": func() error {
			_, err := r.Apply(ctx, "web", withManaged, metav1.ApplyOptions{FieldManager: "m"})
			return err
		},
		"apply nil": func() error { _, err := r.Apply(ctx, "web", nil, metav1.ApplyOptions{FieldManager: "m"}); return err },
		"incomplete resource": func() error {
			_, err := c.Resource(schema.GroupVersionResource{Resource: "pods"}).List(ctx, metav1.ListOptions{})
			return err
		},
		"invalid name": func() error { _, err := r.Get(ctx, "a/b", metav1.GetOptions{}); return err },
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, call())
		})
	}
	assert.Zero(t, requests.Load())
}

func TestAllExpiredContinue(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("continue") == "" {
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"PodList","metadata":{"continue":"old"},"items":[{"metadata":{"name":"a"}}]}`))
			return
		}
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410,
			"message":"The provided continue parameter is too old to display a consistent list result."}`))
	}, Options{})
	var got []string
	var last error
	for obj, err := range c.Resource(pods).All(context.Background(), metav1.ListOptions{Limit: 1}) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, obj.GetName())
	}
	assert.Equal(t, []string{"a"}, got)
	var expired *ExpiredError
	require.ErrorAs(t, last, &expired)
	assert.Equal(t, "old", expired.Continue)
	assert.True(t, apierrors.IsResourceExpired(last))
	assert.Contains(t, last.Error(), "relist")
}

// TestListExpiredContinue: List with a continue token the server expired
// returns the same typed error as All, naming the token.
func TestListExpiredContinue(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410,
			"message":"The provided continue parameter is too old to display a consistent list result."}`))
	}, Options{})
	_, err := c.Resource(pods).List(context.Background(), metav1.ListOptions{Limit: 1, Continue: "old"})
	var expired *ExpiredError
	require.ErrorAs(t, err, &expired)
	assert.Equal(t, "old", expired.Continue)
	assert.True(t, apierrors.IsResourceExpired(err))

	_, err = c.Resource(pods).List(context.Background(), metav1.ListOptions{})
	assert.False(t, errors.As(err, &expired), "without a continue token a 410 stays the server's error")
	assert.True(t, apierrors.IsResourceExpired(err))
}

func TestAllFirstPageError(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Forbidden","code":403}`))
	}, Options{})
	for obj, err := range c.Resource(pods).All(context.Background(), metav1.ListOptions{}) {
		assert.Nil(t, obj)
		assert.True(t, apierrors.IsForbidden(err), "%v", err)
		var expired *ExpiredError
		assert.False(t, errors.As(err, &expired))
	}
}

func TestCBORResponses(t *testing.T) {
	ctx := context.Background()
	notFound := must(direct.Marshal(metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: 404, Message: `deployments.apps "gone" not found`}))
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "apps/v1", "kind": "DeploymentList",
		"metadata": map[string]any{"resourceVersion": "3"}}}
	list.Items = []unstructured.Unstructured{*deployment()}
	listCBOR := cborOf(list)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "application/cbor", r.Header.Get("Accept"))
		w.Header().Set("Content-Type", "application/cbor")
		switch r.URL.Path {
		case "/apis/apps/v1/namespaces/ns/deployments/gone":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(notFound)
		case "/apis/apps/v1/namespaces/ns/deployments":
			_, _ = w.Write(listCBOR)
		default:
			_, _ = w.Write(cborOf(deployment()))
		}
	}, Options{CBOR: true})
	r := c.Resource(deployments).Namespace("ns")

	got, err := r.Get(ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, deployment(), got)

	_, err = r.Get(ctx, "gone", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)
	assert.Contains(t, err.Error(), `"gone" not found`)

	l, err := r.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	assert.Equal(t, "Deployment", l.Items[0].GetKind())
	assert.Equal(t, "3", l.GetResourceVersion())
}

// TestCBORNegotiationPerResource: a 415 for a CBOR body moves only that
// resource to JSON; a 415 for a patch is returned as it is and keeps CBOR.
func TestCBORNegotiationPerResource(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" accept="+r.Header.Get("Accept"))
		mu.Unlock()
		refuse := r.Header.Get("Content-Type") == "application/strategic-merge-patch+json" ||
			(strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/ns/configmaps") && r.Header.Get("Content-Type") == "application/cbor")
		if refuse {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnsupportedMediaType)
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"UnsupportedMediaType","code":415}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(objectJSON))
	}, Options{CBOR: true})
	cm := configMap("a", nil)
	cm.SetNamespace("ns")
	_, err := c.Resource(configMaps).Namespace("ns").Create(ctx, cm, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = c.Resource(deployments).Namespace("ns").Patch(ctx, "web", types.StrategicMergePatchType, []byte(`{}`), metav1.PatchOptions{})
	assert.True(t, apierrors.IsUnsupportedMediaType(err), "%v", err)
	_, err = c.Resource(deployments).Namespace("ns").Create(ctx, deployment(), metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = c.Resource(configMaps).Namespace("ns").Create(ctx, cm, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"POST /api/v1/namespaces/ns/configmaps application/cbor accept=application/cbor",
		"POST /api/v1/namespaces/ns/configmaps application/json accept=application/json",
		"PATCH /apis/apps/v1/namespaces/ns/deployments/web application/strategic-merge-patch+json accept=application/cbor",
		"POST /apis/apps/v1/namespaces/ns/deployments application/cbor accept=application/cbor",
		"POST /api/v1/namespaces/ns/configmaps application/json accept=application/json",
	}, seen)
}
