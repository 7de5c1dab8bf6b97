package dynamic

import (
	"cmp"
	"errors"
	"fmt"
	"mime"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The Accept headers of the metadata-only mode, client-go's metadata
// client's: PartialObjectMetadata(List) in protobuf, else in JSON, else
// whatever JSON the server has (a whole object, from servers that do not
// transform responses).
const (
	mediaMetaList   = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
	mediaMetaObject = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
)

// mediaTypeOf returns the media type of a Content-Type; "" when unset or
// malformed.
func mediaTypeOf(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

func isProtobuf(contentType string) bool {
	return mediaTypeOf(contentType) == runtime.ContentTypeProtobuf
}

// isJSONOrUnset: a body without a Content-Type has always been read as JSON.
func isJSONOrUnset(contentType string) bool {
	return strings.TrimSpace(contentType) == "" || mediaTypeOf(contentType) == runtime.ContentTypeJSON
}

// decodeMetadataList decodes a list response: a PartialObjectMetadataList,
// or any list of whole objects, which reads as one because every Kubernetes
// list keeps its ListMeta and items, and every object its ObjectMeta, under
// the same JSON names and protobuf field numbers (1 and 2, 1).
func decodeMetadataList(data []byte, contentType string) (*metav1.PartialObjectMetadataList, error) {
	l := &sizedList{}
	kind, err := decodeMetadata(data, contentType, l, &l.TypeMeta)
	if err != nil {
		return nil, fmt.Errorf("dynamic: decode metadata list: %w", err)
	}
	if kind != "" && !strings.HasSuffix(kind, "List") {
		return nil, fmt.Errorf("dynamic: decode metadata list: the server sent a %s, not a list", kind)
	}
	list := &l.PartialObjectMetadataList
	list.TypeMeta = metav1.TypeMeta{}
	for i := range list.Items {
		// Only JSON sets it: protobuf has no field for it.
		if list.Items[i].TypeMeta != (metav1.TypeMeta{}) {
			list.Items[i].TypeMeta = metav1.TypeMeta{}
		}
	}
	return list, nil
}

// decodeMetadataObject decodes a single-object response: a
// PartialObjectMetadata or a whole object, stripped to its metadata.
func decodeMetadataObject(data []byte, contentType string) (*metav1.PartialObjectMetadata, error) {
	obj := &metav1.PartialObjectMetadata{}
	kind, err := decodeMetadata(data, contentType, obj, &obj.TypeMeta)
	if err != nil {
		return nil, fmt.Errorf("dynamic: decode metadata: %w", err)
	}
	if strings.HasSuffix(kind, "List") || kind == "Status" || !looksLikeObjectMeta(&obj.ObjectMeta) {
		return nil, fmt.Errorf("dynamic: decode metadata: the server sent a %s without object metadata", cmp.Or(kind, "document"))
	}
	obj.TypeMeta = metav1.TypeMeta{}
	return obj, nil
}

// metadataTarget is what the metadata decoders decode into.
type metadataTarget interface {
	runtime.Object
	protoMessage
}

// decodeMetadata decodes data in its Content-Type into obj and returns the
// kind the body names; tm is obj's TypeMeta, which JSON fills.
func decodeMetadata(data []byte, contentType string, obj metadataTarget, tm *metav1.TypeMeta) (string, error) {
	switch {
	case isProtobuf(contentType):
		return decodeProtobuf(data, obj)
	case isJSONOrUnset(contentType):
		if err := decodeMetadataJSON(data, obj); err != nil {
			return "", err
		}
		return tm.Kind, nil
	}
	return "", fmt.Errorf("unexpected Content-Type %q", contentType)
}

// looksLikeObjectMeta is client-go's test that a document read as an object
// had metadata at all.
func looksLikeObjectMeta(m *metav1.ObjectMeta) bool {
	return m.UID != "" || !m.CreationTimestamp.IsZero() || m.Name != "" || m.GenerateName != ""
}

// sizedList is a PartialObjectMetadataList whose protobuf decoding
// allocates Items once, at their final length. The generated Unmarshal
// appends item by item; growing a slice of thousands of ObjectMetas that
// way, copying it at each doubling, took about 40% of the time of decoding
// a list of 5,000.
type sizedList struct {
	metav1.PartialObjectMetadataList
}

// Unmarshal counts the items, then hands over to the generated Unmarshal,
// which appends them into the room made for them.
func (l *sizedList) Unmarshal(data []byte) error {
	l.Items = make([]metav1.PartialObjectMetadata, 0, countListItems(data))
	return l.PartialObjectMetadataList.Unmarshal(data)
}

// listItemsField is the protobuf field number of every Kubernetes list's
// items.
const listItemsField = 2

// countListItems counts the items of an encoded list, skipping over each
// without decoding it. On malformed input it returns what it counted so
// far and leaves the error to the generated Unmarshal. Each item takes at
// least two bytes, so the count is bounded by the body's size.
func countListItems(data []byte) int {
	n := 0
	for len(data) > 0 {
		num, typ, m := protowire.ConsumeTag(data)
		if m < 0 {
			return n
		}
		data = data[m:]
		m = protowire.ConsumeFieldValue(num, typ, data)
		if m < 0 {
			return n
		}
		if num == listItemsField && typ == protowire.BytesType {
			n++
		}
		data = data[m:]
	}
	return n
}

// protobufStatusError replaces the generic error rest makes of a protobuf
// error body with the *apierrors.StatusError of the Status it holds.
func protobufStatusError(err error, body []byte, contentType string) error {
	var se *apierrors.StatusError
	if !isProtobuf(contentType) || !errors.As(err, &se) || len(body) == 0 {
		return err
	}
	st, ok := decodeProtobufStatus(body)
	if !ok || st.Status != metav1.StatusFailure {
		return err
	}
	if st.Code == 0 {
		st.Code = se.ErrStatus.Code
	}
	return &apierrors.StatusError{ErrStatus: *st}
}

// decodeProtobufStatus decodes a protobuf metav1.Status, with the TypeMeta
// a JSON one carries.
func decodeProtobufStatus(data []byte) (*metav1.Status, bool) {
	st := &metav1.Status{}
	kind, err := decodeProtobuf(data, st)
	if err != nil || kind != "Status" {
		return nil, false
	}
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	return st, true
}
