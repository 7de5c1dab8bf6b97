package dynamic

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
)

// protobufOf encodes obj as a server answering in protobuf would.
func protobufOf(t testing.TB, obj runtime.Object) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, protobuf.NewSerializer(nil, nil).Encode(obj, &buf))
	return buf.Bytes()
}

func testPod(name string) corev1.Pod {
	controller := true
	return corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "default", UID: types.UID("uid-" + name), ResourceVersion: "7",
			Labels:          map[string]string{"app": "web"},
			Annotations:     map[string]string{"note": "x"},
			Finalizers:      []string{"example.com/keep"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "rs-uid", Controller: &controller}},
		},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

// reply is one canned answer: its Content-Type and body.
type cannedReply struct {
	code        int
	contentType string
	body        []byte
}

func replying(t *testing.T, rp cannedReply) *Client {
	return newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		// nil, not unset: net/http would sniff one.
		w.Header()["Content-Type"] = nil
		if rp.contentType != "" {
			w.Header().Set("Content-Type", rp.contentType)
		}
		w.WriteHeader(rp.code)
		_, _ = w.Write(rp.body)
	}, Options{})
}

// TestMetadataFromWholeObjects reads the answers of servers that ignore
// ";as=PartialObjectMetadata" (aggregated API servers): whole objects and
// lists, in protobuf and JSON, are stripped to their metadata.
func TestMetadataFromWholeObjects(t *testing.T) {
	ctx := context.Background()
	pod := testPod("p1")
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "next"}, Items: []corev1.Pod{pod, testPod("p2")}}
	listJSON, err := json.Marshal(list)
	require.NoError(t, err)
	podJSON, err := json.Marshal(&pod)
	require.NoError(t, err)

	wantMeta := pod.ObjectMeta
	for _, tc := range []struct {
		name string
		list cannedReply
		one  cannedReply
	}{
		{"protobuf", cannedReply{200, protobufCT, protobufOf(t, list)}, cannedReply{200, protobufCT, protobufOf(t, &pod)}},
		{"json", cannedReply{200, "application/json", listJSON}, cannedReply{200, "application/json", podJSON}},
		{"no content type", cannedReply{200, "", listJSON}, cannedReply{200, "", podJSON}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := replying(t, tc.list).Metadata().Resource(pods).List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, metav1.ListMeta{ResourceVersion: "9", Continue: "next"}, l.ListMeta)
			assert.Equal(t, metav1.TypeMeta{}, l.TypeMeta)
			require.Len(t, l.Items, 2)
			assert.Equal(t, wantMeta, l.Items[0].ObjectMeta)
			assert.Equal(t, metav1.TypeMeta{}, l.Items[0].TypeMeta)
			assert.Equal(t, "p2", l.Items[1].Name)

			one, err := replying(t, tc.one).Metadata().Resource(pods).Namespace("default").Get(ctx, "p1", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, wantMeta, one.ObjectMeta)
			assert.Equal(t, metav1.TypeMeta{}, one.TypeMeta)
		})
	}
}

// TestMetadataPartialObjects reads what kube-apiserver sends for the
// metadata client's Accept headers.
func TestMetadataPartialObjects(t *testing.T) {
	ctx := context.Background()
	pod := testPod("p1")
	one := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}, ObjectMeta: pod.ObjectMeta}
	list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: []metav1.PartialObjectMetadata{*one, *one}}
	listJSON, err := json.Marshal(list)
	require.NoError(t, err)
	for _, rp := range []cannedReply{{200, protobufCT, protobufOf(t, list)}, {200, "application/json", listJSON}} {
		l, err := replying(t, rp).Metadata().Resource(pods).List(ctx, metav1.ListOptions{})
		require.NoError(t, err, rp.contentType)
		require.Len(t, l.Items, 2)
		assert.Equal(t, pod.ObjectMeta, l.Items[1].ObjectMeta)
		assert.Equal(t, metav1.TypeMeta{}, l.Items[1].TypeMeta, "the same whatever the wire format")
	}
	got, err := replying(t, cannedReply{200, protobufCT, protobufOf(t, one)}).Metadata().Resource(pods).Namespace("default").Get(ctx, "p1", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, pod.ObjectMeta, got.ObjectMeta)
}

// TestMetadataErrors: Status bodies become *apierrors.StatusError in
// protobuf as in JSON; answers that are not what was asked for are errors.
func TestMetadataErrors(t *testing.T) {
	ctx := context.Background()
	notFound := apierrors.NewNotFound(corev1.Resource("pods"), "p1").Status()
	notFound.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	notFoundJSON, err := json.Marshal(&notFound)
	require.NoError(t, err)
	for _, rp := range []cannedReply{{404, protobufCT, protobufOf(t, &notFound)}, {404, "application/json", notFoundJSON}} {
		_, err := replying(t, rp).Metadata().Resource(pods).Namespace("default").Get(ctx, "p1", metav1.GetOptions{})
		require.True(t, apierrors.IsNotFound(err), "%s: %v", rp.contentType, err)
		var se *apierrors.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, notFound, se.ErrStatus)
	}

	garbage := cannedReply{500, protobufCT, []byte("k8s\x00\xff\xff")}
	_, err = replying(t, garbage).Metadata().Resource(pods).List(ctx, metav1.ListOptions{})
	assert.True(t, apierrors.IsInternalError(err), "an undecodable error body keeps its status: %v", err)

	pod := testPod("p1")
	for name, rp := range map[string]cannedReply{
		"text":          {200, "text/plain", []byte("hello")},
		"bad protobuf":  {200, protobufCT, []byte("k8s\x00\x0a\xff")},
		"not protobuf":  {200, protobufCT, []byte("{}")},
		"bad json":      {200, "application/json", []byte("{")},
		"one, not list": {200, protobufCT, protobufOf(t, &pod)},
	} {
		_, err := replying(t, rp).Metadata().Resource(pods).List(ctx, metav1.ListOptions{})
		assert.ErrorContains(t, err, "dynamic: decode metadata list", name)
	}
	podList := &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, Items: []corev1.Pod{pod}}
	for name, rp := range map[string]cannedReply{
		"a list":      {200, protobufCT, protobufOf(t, podList)},
		"no metadata": {200, "application/json", []byte(`{"kind":"Thing"}`)},
		"a status":    {200, "application/json", notFoundJSON},
	} {
		_, err := replying(t, rp).Metadata().Resource(pods).Namespace("default").Get(ctx, "p1", metav1.GetOptions{})
		assert.ErrorContains(t, err, "dynamic: decode metadata", name)
	}
}

// TestMetadataRequests checks what each verb sends: client-go's metadata
// client's Accept headers, options as query parameters, DeleteOptions in
// the body.
func TestMetadataRequests(t *testing.T) {
	ctx := context.Background()
	type seen struct{ method, uri, accept, contentType, body string }
	var got []seen
	list := protobufOf(t, &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"}})
	pod := testPod("p1")
	one := protobufOf(t, &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}, ObjectMeta: pod.ObjectMeta})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.RequestURI(), r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(body)})
		w.Header().Set("Content-Type", protobufCT)
		if r.URL.Query().Get("watch") == "true" {
			return
		}
		if strings.HasSuffix(r.URL.Path, "/pods") {
			_, _ = w.Write(list)
			return
		}
		_, _ = w.Write(one)
	}, Options{})
	md := c.Metadata().Resource(pods).Namespace("ns")
	_, err := md.Get(ctx, "p1", metav1.GetOptions{ResourceVersion: "5"}, "status")
	require.NoError(t, err)
	_, err = md.List(ctx, metav1.ListOptions{LabelSelector: "a=b", Limit: 10})
	require.NoError(t, err)
	w, err := md.Watch(ctx, metav1.ListOptions{ResourceVersion: "5"})
	require.NoError(t, err)
	w.Stop()
	_, err = md.Patch(ctx, "p1", "application/merge-patch+json", []byte(`{}`), metav1.PatchOptions{FieldManager: "m"})
	require.NoError(t, err)
	require.NoError(t, md.Delete(ctx, "p1", metav1.DeleteOptions{PropagationPolicy: ptrTo(metav1.DeletePropagationForeground)}))
	require.NoError(t, md.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "a=b"}))

	assert.Equal(t, []seen{
		{"GET", "/api/v1/namespaces/ns/pods/p1/status?resourceVersion=5", mediaMetaObject, "", ""},
		{"GET", "/api/v1/namespaces/ns/pods?labelSelector=a%3Db&limit=10", mediaMetaList, "", ""},
		{"GET", "/api/v1/namespaces/ns/pods?resourceVersion=5&watch=true", mediaMetaObject, "", ""},
		{"PATCH", "/api/v1/namespaces/ns/pods/p1?fieldManager=m", mediaMetaObject, "application/merge-patch+json", "{}"},
		{"DELETE", "/api/v1/namespaces/ns/pods/p1", mediaMetaObject, "application/json",
			`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}`},
		{"DELETE", "/api/v1/namespaces/ns/pods?labelSelector=a%3Db", mediaMetaList, "application/json",
			`{"kind":"DeleteOptions","apiVersion":"v1"}`},
	}, got)

	_, err = md.Get(ctx, "", metav1.GetOptions{})
	assert.ErrorContains(t, err, "name is required")
	_, err = md.Patch(ctx, "", "application/merge-patch+json", nil, metav1.PatchOptions{})
	assert.ErrorContains(t, err, "name is required")
	assert.ErrorContains(t, md.Delete(ctx, "", metav1.DeleteOptions{}), "name is required")
}

func ptrTo[T any](v T) *T { return &v }

func TestCountListItems(t *testing.T) {
	list := &metav1.PartialObjectMetadataList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}}
	for range 5 {
		list.Items = append(list.Items, metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "x"}})
	}
	data, err := list.Marshal()
	require.NoError(t, err)
	assert.Equal(t, 5, countListItems(data))
	assert.Equal(t, 0, countListItems(nil))
	assert.LessOrEqual(t, countListItems(data[:len(data)-3]), 5, "a cut list counts what it holds")
	assert.Equal(t, 0, countListItems([]byte{0xff, 0xff, 0xff}))
}

// FuzzMetadataDecode feeds arbitrary bodies to the list, object and watch
// event decoders: errors, never panics.
func FuzzMetadataDecode(f *testing.F) {
	pod := testPod("p1")
	f.Add(protobufOf(f, &pod))
	f.Add(protobufOf(f, &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"},
		Items: []metav1.PartialObjectMetadata{{ObjectMeta: pod.ObjectMeta}}}))
	f.Add([]byte(`{"kind":"PartialObjectMetadataList","items":[{"metadata":{"name":"a"}}]}`))
	f.Add(protobufFrames(f, watchEventOf(f, "ADDED", &pod)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ct := range []string{protobufCT, "application/json"} {
			_, _ = decodeMetadataList(data, ct)
			_, _ = decodeMetadataObject(data, ct)
		}
		d := newMetadataEventDecoder(io.NopCloser(bytes.NewReader(data)))
		for range 10 {
			if _, _, err := d.Decode(); err != nil {
				break
			}
		}
	})
}
