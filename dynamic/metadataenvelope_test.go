package dynamic

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// apimachineryEnvelope is the serializer decodeProtobuf stands in for.
var apimachineryEnvelope = protobuf.NewSerializer(runtime.NewScheme(), runtime.NewScheme())

// envelope wraps raw as the API server does, with extra fields after it.
func envelope(tm runtime.TypeMeta, raw []byte, extra ...byte) []byte {
	b := append([]byte(nil), protobufMagic...)
	tmBytes, err := tm.Marshal()
	if err != nil {
		panic(err)
	}
	b = protowire.AppendTag(b, unknownTypeMetaField, protowire.BytesType)
	b = protowire.AppendBytes(b, tmBytes)
	b = protowire.AppendTag(b, unknownRawField, protowire.BytesType)
	b = protowire.AppendBytes(b, raw)
	return append(b, extra...)
}

// sameAsApimachinery decodes data both ways into PartialObjectMetadata and
// fails t unless both succeed with the same object and kind, or both fail;
// with stricter, decodeProtobuf may also fail alone (on malformed input).
func sameAsApimachinery(t *testing.T, data []byte, stricter bool) bool {
	t.Helper()
	want, got := &metav1.PartialObjectMetadata{}, &metav1.PartialObjectMetadata{}
	_, gvk, wantErr := apimachineryEnvelope.Decode(data, nil, want)
	kind, err := decodeProtobuf(data, got)
	if wantErr != nil {
		return assert.Error(t, err, "apimachinery: %v", wantErr)
	}
	if stricter && err != nil {
		return true
	}
	if !assert.NoError(t, err) {
		return false
	}
	// The serializer sets the kind it read on the object; ours returns it.
	want.TypeMeta = metav1.TypeMeta{}
	return assert.Equal(t, gvk.Kind, kind) && assert.Equal(t, want, got)
}

func TestDecodeProtobufAsApimachinery(t *testing.T) {
	pod := testPod("p1")
	obj, err := (&metav1.PartialObjectMetadata{ObjectMeta: pod.ObjectMeta}).Marshal()
	require.NoError(t, err)
	tm := runtime.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}
	contentType := protowire.AppendString(protowire.AppendTag(nil, 4, protowire.BytesType), "application/vnd.kubernetes.protobuf")
	for name, data := range map[string][]byte{
		"as the server sends it": protobufOf(t, &pod),
		"with content type":      envelope(tm, obj, contentType...),
		"unknown varint field":   envelope(tm, obj, 0x28, 0x01),
		"unknown group":          envelope(tm, obj, 0x2b, 0x08, 0x01, 0x2c),
		"content type as varint": envelope(tm, obj, 0x20, 0x01),
		"encoding as varint":     envelope(tm, obj, 0x18, 0x01),
		"field 0":                envelope(tm, obj, 0x00, 0x01),
		"end group":              envelope(tm, obj, 0x2c),
		"raw twice: the last":    envelope(tm, []byte{0x0a, 0x02, 0x0a, 0x00}, append(protowire.AppendTag(nil, unknownRawField, protowire.BytesType), protowire.AppendBytes(nil, obj)...)...),
		"no raw":                 append(append([]byte(nil), protobufMagic...), 0x0a, 0x00),
		"empty":                  nil,
		"magic only":             protobufMagic,
		"no magic":               []byte("{}"),
		"raw as varint":          append(append([]byte(nil), protobufMagic...), 0x10, 0x01),
		"type meta as varint":    append(append([]byte(nil), protobufMagic...), 0x08, 0x01),
		"cut length":             append(append([]byte(nil), protobufMagic...), 0x12, 0x05, 0x01),
		"bad tag":                append(append([]byte(nil), protobufMagic...), 0xff),
		"bad type meta":          append(append([]byte(nil), protobufMagic...), 0x0a, 0x02, 0x0a, 0x05),
		"bad object":             envelope(tm, []byte{0x0a, 0x05}),
	} {
		t.Run(name, func(t *testing.T) { sameAsApimachinery(t, data, false) })
	}
}

// TestDecodeProtobufKeepsNothingOfTheBody checks that the decoded object
// does not share memory with the body it came from: Do's caller may reuse
// the body.
func TestDecodeProtobufKeepsNothingOfTheBody(t *testing.T) {
	pod := testPod("p1")
	data := protobufOf(t, &pod)
	got := &metav1.PartialObjectMetadata{}
	_, err := decodeProtobuf(data, got)
	require.NoError(t, err)
	clear(data)
	assert.Equal(t, pod.ObjectMeta, got.ObjectMeta)
}

// FuzzDecodeProtobuf compares decodeProtobuf with apimachinery's
// serializer on any body.
func FuzzDecodeProtobuf(f *testing.F) {
	pod := testPod("p1")
	f.Add(protobufOf(f, &pod))
	f.Add(protobufOf(f, &metav1.PartialObjectMetadata{ObjectMeta: pod.ObjectMeta}))
	f.Add([]byte("k8s\x00\x0a\x00\x12\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !sameAsApimachinery(t, data, true) {
			t.FailNow()
		}
	})
}

// TestMetadataDecodersKeepNothingOfTheBody checks every format the
// metadata decoders read: what they return must not share the body, which
// rest.Request.DoWith lends and reuses.
func TestMetadataDecodersKeepNothingOfTheBody(t *testing.T) {
	pod := testPod("p1")
	pod.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "m", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{}}`)}}
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: []corev1.Pod{pod}}
	partial := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: []metav1.PartialObjectMetadata{{ObjectMeta: pod.ObjectMeta}}}
	for name, body := range map[string]struct {
		data        []byte
		contentType string
	}{
		"protobuf partial": {protobufOf(t, partial), protobufCT},
		"protobuf whole":   {protobufOf(t, list), protobufCT},
		"json partial":     {jsonOf(t, partial), "application/json"},
		"json whole":       {jsonOf(t, list), "application/json"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decodeMetadataList(body.data, body.contentType)
			require.NoError(t, err)
			clear(body.data)
			require.Len(t, got.Items, 1)
			assert.Equal(t, pod.ObjectMeta, got.Items[0].ObjectMeta)
			assert.Equal(t, "9", got.ResourceVersion)
		})
	}
}

func jsonOf(t *testing.T, obj any) []byte {
	t.Helper()
	data, err := json.Marshal(obj)
	require.NoError(t, err)
	return data
}

// TestMetadataListsAfterOneAnother lists one body after another through
// the same client, so each reuses the memory the one before was read
// into: the lists returned earlier keep their values.
func TestMetadataListsAfterOneAnother(t *testing.T) {
	names := []string{"aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"}
	bodies := map[string][]byte{}
	for _, n := range names {
		pod := testPod(n)
		bodies[n] = protobufOf(t, &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"},
			Items: []metav1.PartialObjectMetadata{{ObjectMeta: pod.ObjectMeta}}})
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", protobufCT)
		_, _ = w.Write(bodies[r.URL.Query().Get("labelSelector")])
	}, Options{})
	var lists []*metav1.PartialObjectMetadataList
	for _, n := range names {
		l, err := c.Metadata().Resource(pods).List(context.Background(), metav1.ListOptions{LabelSelector: n})
		require.NoError(t, err)
		lists = append(lists, l)
	}
	for i, n := range names {
		require.Len(t, lists[i].Items, 1)
		assert.Equal(t, testPod(n).ObjectMeta, lists[i].Items[0].ObjectMeta)
	}
}
