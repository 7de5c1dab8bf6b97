package typed

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/watch"
)

const (
	mediaJSON     = "application/json"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// response is what a test server answers to every request.
type response struct {
	status      int
	contentType string
	body        []byte
}

// serve starts a server answering every request with res, checking that
// requests ask for accept, and returns a Clientset for it that maps
// Deployments and Widgets.
func serve(t *testing.T, opts Options, accept string, res response) *Clientset {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); got != accept {
			t.Errorf("Accept: %q, want %q", got, accept)
			http.Error(w, "unexpected Accept", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", res.contentType)
		w.WriteHeader(res.status)
		_, _ = w.Write(res.body)
	}))
	t.Cleanup(srv.Close)
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, MaxRetries: -1, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("Deployment"), meta.RESTScopeNamespace)
	mapper.Add(widgetGV.WithKind("Widget"), meta.RESTScopeNamespace)
	return New(rc, mapper, testScheme(t), opts)
}

// protobufOf encodes obj as the API server does, in its envelope.
func protobufOf(t testing.TB, obj runtime.Object, gvk string) []byte {
	t.Helper()
	s := testScheme(t)
	obj = obj.DeepCopyObject()
	apiVersion, kind, _ := bytes.Cut([]byte(gvk), []byte(" "))
	tm := metav1.TypeMeta{APIVersion: string(apiVersion), Kind: string(kind)}
	obj.GetObjectKind().SetGroupVersionKind(tm.GroupVersionKind())
	var buf bytes.Buffer
	require.NoError(t, protobuf.NewSerializer(s, s).Encode(obj, &buf))
	return buf.Bytes()
}

// protobufRaw wraps the message raw in the envelope of a kind.
func protobufRaw(t testing.TB, apiVersion, kind string, raw []byte) []byte {
	t.Helper()
	unk := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: apiVersion, Kind: kind}, Raw: raw}
	data, err := unk.Marshal()
	require.NoError(t, err)
	return append([]byte("k8s\x00"), data...)
}

// nestedJSON is a Deployment whose metadata holds an unknown field of
// arrays nested n deep.
func nestedJSON(n int) []byte {
	return []byte(`{"metadata":{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`)
}

func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

func storedDeployment(name string) *appsv1.Deployment {
	d := deployment(name, 2)
	d.Namespace, d.UID, d.ResourceVersion, d.Generation = "default", "8d3f", "42", 1
	d.CreationTimestamp = metav1.NewTime(time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local))
	d.Status = appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 1, Conditions: []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentAvailable, Status: "True", LastUpdateTime: d.CreationTimestamp, Reason: "MinimumReplicasAvailable"}}}
	return d
}

// TestDecodeFormats: the same object decodes to the same value from JSON
// and from protobuf, chosen by the response's Content-Type.
func TestDecodeFormats(t *testing.T) {
	want := storedDeployment("web")
	list := &appsv1.DeploymentList{ListMeta: metav1.ListMeta{ResourceVersion: "43", Continue: "more"},
		Items: []appsv1.Deployment{*storedDeployment("a"), *storedDeployment("b")}}
	withKind := want.DeepCopy()
	withKind.APIVersion, withKind.Kind = "apps/v1", "Deployment"
	listJSON := jsonOf(t, list)
	cases := []struct {
		name   string
		opts   Options
		accept string
		obj    response
		list   response
	}{
		{"json", Options{}, mediaJSON, response{200, mediaJSON, jsonOf(t, withKind)}, response{200, mediaJSON, listJSON}},
		{"protobuf", Options{Protobuf: true}, mediaProtobuf + ", " + mediaJSON,
			response{200, mediaProtobuf, protobufOf(t, want, "apps/v1 Deployment")},
			response{200, mediaProtobuf, protobufOf(t, list, "apps/v1 DeploymentList")}},
		{"protobuf asked, json answered", Options{Protobuf: true}, mediaProtobuf + ", " + mediaJSON,
			response{200, mediaJSON + ";charset=utf-8", jsonOf(t, withKind)}, response{200, mediaJSON, listJSON}},
		{"no content type", Options{}, mediaJSON, response{200, "", jsonOf(t, withKind)}, response{200, "", listJSON}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			got, err := forDeployments(t, serve(t, tc.opts, tc.accept, tc.obj)).Namespace("default").Get(ctx, "web", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, want, got)

			gotList, err := forDeployments(t, serve(t, tc.opts, tc.accept, tc.list)).Namespace("default").List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, list, gotList)
		})
	}
}

// TestSetTypeMeta fills apiVersion and kind everywhere, list items too.
func TestSetTypeMeta(t *testing.T) {
	ctx := context.Background()
	list := &appsv1.DeploymentList{Items: []appsv1.Deployment{*storedDeployment("a")}}
	for _, res := range []response{
		{200, mediaJSON, jsonOf(t, list)},
		{200, mediaProtobuf, protobufOf(t, list, "apps/v1 DeploymentList")},
	} {
		deploys := forDeployments(t, serve(t, Options{SetTypeMeta: true, Protobuf: true}, acceptProtobuf, res)).Namespace("default")
		got, err := deploys.List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		assert.Equal(t, metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DeploymentList"}, got.TypeMeta)
		assert.Equal(t, metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, got.Items[0].TypeMeta)
	}
}

// TestDecodeErrors: error bodies in either format are the Status they
// hold; bodies that are not the kind asked for are errors that say so.
func TestDecodeErrors(t *testing.T) {
	notFound := &metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: metav1.StatusFailure,
		Reason: metav1.StatusReasonNotFound, Message: `deployments.apps "web" not found`, Code: 404,
		Details: &metav1.StatusDetails{Name: "web", Group: "apps", Kind: "deployments"}}
	cases := []struct {
		name  string
		res   response
		check func(t *testing.T, err error)
	}{
		{"json status", response{404, mediaJSON, jsonOf(t, notFound)}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsNotFound(err))
			assert.EqualError(t, err, notFound.Message)
		}},
		{"protobuf status", response{404, mediaProtobuf, protobufOf(t, notFound, "v1 Status")}, func(t *testing.T, err error) {
			require.True(t, apierrors.IsNotFound(err))
			assert.EqualError(t, err, notFound.Message, "the message of the protobuf Status")
			assert.Equal(t, "web", err.(apierrors.APIStatus).Status().Details.Name)
		}},
		{"failure status with 200", response{200, mediaJSON, jsonOf(t, notFound)}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsNotFound(err), "%v", err)
		}},
		{"protobuf failure status with 200", response{200, mediaProtobuf, protobufOf(t, notFound, "v1 Status")}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsNotFound(err), "%v", err)
		}},
		{"another kind", response{200, mediaJSON, []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale","spec":{"replicas":2}}`)}, func(t *testing.T, err error) {
			assert.EqualError(t, err, "typed: the server sent a Scale where a Deployment was expected")
		}},
		{"another kind in protobuf", response{200, mediaProtobuf, protobufOf(t, &appsv1.ReplicaSet{}, "apps/v1 ReplicaSet")}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "the server sent a ReplicaSet where a Deployment was expected")
		}},
		{"malformed json", response{200, mediaJSON, []byte(`{"metadata":{"name":`)}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "typed: decode Deployment: invalid JSON at offset 20: unexpected end of JSON input")
		}},
		{"wrong field type", response{200, mediaJSON, []byte(`{"spec":{"replicas":"two"}}`)}, func(t *testing.T, err error) {
			assert.EqualError(t, err, "typed: decode Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")
		}},
		{"malformed protobuf", response{200, mediaProtobuf, []byte("k8s\x00\x0a\xff")}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "typed: decode Deployment:")
		}},
		{"json nested past the depth limit", response{200, mediaJSON, nestedJSON(10_001)}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "typed: decode Deployment: invalid JSON at offset 10015: exceeded max depth")
		}},
		{"protobuf length past the end", response{200, mediaProtobuf, protobufRaw(t, "apps/v1", "Deployment", []byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40})}, func(t *testing.T, err error) {
			assert.EqualError(t, err, "typed: decode Deployment: unexpected EOF")
		}},
		{"empty body", response{200, mediaJSON, nil}, func(t *testing.T, err error) {
			assert.EqualError(t, err, "typed: empty response where a Deployment was expected")
		}},
		{"yaml", response{200, "application/yaml", []byte("kind: Deployment\n")}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, `Content-Type "application/yaml", which is neither JSON nor protobuf`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := forDeployments(t, serve(t, Options{Protobuf: true}, acceptProtobuf, tc.res)).Namespace("default").Get(context.Background(), "web", metav1.GetOptions{})
			require.Error(t, err)
			assert.Nil(t, got)
			tc.check(t, err)
		})
	}
}

// TestStrict: unknown and duplicate fields come back as apimachinery's
// strict decoding error, with the object.
func TestStrict(t *testing.T) {
	ctx := context.Background()
	body := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","name":"web"},"spec":{"replicas":2,"surprise":true}}`)
	for _, strict := range []bool{false, true} {
		deploys := forDeployments(t, serve(t, Options{Strict: strict}, mediaJSON, response{200, mediaJSON, body})).Namespace("default")
		got, err := deploys.Get(ctx, "web", metav1.GetOptions{})
		require.NotNil(t, got)
		assert.Equal(t, int32(2), *got.Spec.Replicas)
		if !strict {
			assert.NoError(t, err)
			continue
		}
		require.True(t, runtime.IsStrictDecodingError(err), "%v", err)
		assert.ErrorContains(t, err, `unknown field "spec.surprise"`)
		assert.ErrorContains(t, err, `duplicate field "metadata.name"`)

		var seen []string
		var errs []error
		for d, err := range deploys.All(ctx, metav1.ListOptions{}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			seen = append(seen, d.Name)
		}
		assert.Empty(t, seen, "the body is a Deployment, not a list")
		require.Len(t, errs, 1)
	}
}

// TestStrictList: with Strict, All yields a page's objects, then its
// strict error, and goes on.
func TestStrictList(t *testing.T) {
	body := []byte(`{"apiVersion":"apps/v1","kind":"DeploymentList","metadata":{},"items":[{"metadata":{"name":"a"},"extra":1}]}`)
	deploys := forDeployments(t, serve(t, Options{Strict: true}, mediaJSON, response{200, mediaJSON, body})).Namespace("default")
	var seen []string
	var strictErrs int
	for d, err := range deploys.All(context.Background(), metav1.ListOptions{}) {
		if err != nil {
			require.True(t, runtime.IsStrictDecodingError(err), "%v", err)
			strictErrs++
			continue
		}
		seen = append(seen, d.Name)
	}
	assert.Equal(t, []string{"a"}, seen)
	assert.Equal(t, 1, strictErrs)
}

// TestProtobufWatch decodes a protobuf watch stream, ERROR event included.
func TestProtobufWatch(t *testing.T) {
	var stream bytes.Buffer
	frame := func(typ watch.EventType, obj runtime.Object, gvk string) {
		ev := metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: protobufOf(t, obj, gvk)}}
		data, err := ev.Marshal()
		require.NoError(t, err)
		require.NoError(t, binary.Write(&stream, binary.BigEndian, uint32(len(data))))
		stream.Write(data)
	}
	frame(watch.Added, storedDeployment("a"), "apps/v1 Deployment")
	frame(watch.Deleted, storedDeployment("a"), "apps/v1 Deployment")
	frame(watch.Error, &metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "too old"}, "v1 Status")
	frame(watch.Added, &appsv1.ReplicaSet{}, "apps/v1 ReplicaSet")

	cs := serve(t, Options{Protobuf: true}, acceptProtobuf, response{200, mediaProtobuf + ";stream=watch", stream.Bytes()})
	w, err := forDeployments(t, cs).Namespace("default").Watch(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	defer w.Stop()
	var events []watch.Event
	for ev := range w.ResultChan() {
		events = append(events, ev)
	}
	require.Len(t, events, 4)
	assert.Equal(t, watch.Added, events[0].Type)
	assert.Equal(t, storedDeployment("a"), events[0].Object)
	assert.Equal(t, watch.Deleted, events[1].Type)
	assert.True(t, apierrors.IsResourceExpired(apierrors.FromObject(events[2].Object)), "%v", events[2].Object)
	assert.Equal(t, watch.Error, events[3].Type, "a ReplicaSet ends the stream")
	assert.Contains(t, events[3].Object.(*metav1.Status).Message, "the server sent a ReplicaSet where a Deployment was expected")
}

// TestJSONWatch decodes a JSON watch stream.
func TestJSONWatch(t *testing.T) {
	d := storedDeployment("a")
	d.APIVersion, d.Kind = "apps/v1", "Deployment"
	stream := append(append(jsonOf(t, map[string]any{"type": "ADDED", "object": d}), '\n'),
		jsonOf(t, map[string]any{"type": "ERROR", "object": map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure", "code": 410, "reason": "Expired"}})...)
	cs := serve(t, Options{Protobuf: true}, acceptProtobuf, response{200, mediaJSON, stream})
	w, err := forDeployments(t, cs).Namespace("default").Watch(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	defer w.Stop()
	ev := <-w.ResultChan()
	assert.Equal(t, watch.Added, ev.Type)
	assert.Equal(t, storedDeployment("a"), ev.Object)
	ev = <-w.ResultChan()
	assert.True(t, apierrors.IsResourceExpired(apierrors.FromObject(ev.Object)), "%v", ev.Object)
	_, open := <-w.ResultChan()
	assert.False(t, open)
}
