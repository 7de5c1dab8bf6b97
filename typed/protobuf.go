package typed

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// protobufEnvelope reads Kubernetes' protobuf encoding (a magic number, then
// a runtime.Unknown naming the kind around the object's bytes) with
// apimachinery's serializer. Its scheme knows no types, so the serializer
// hands the bytes to the Unmarshal of the object it is given.
var protobufEnvelope = protobuf.NewSerializer(runtime.NewScheme(), runtime.NewScheme())

// protoTarget is what decodeProtobuf gives the serializer: obj, whose
// decoding it can prepare for once the envelope is open.
type protoTarget struct {
	runtime.Object
	msg    protoMessage
	before func(data []byte) // nil: nothing to prepare
}

func (p *protoTarget) Reset() { p.msg.Reset() }

func (p *protoTarget) Unmarshal(data []byte) error {
	if p.before != nil {
		p.before(data)
	}
	return p.msg.Unmarshal(data)
}

// decodeProtobuf decodes a protobuf response into obj and returns the kind
// its envelope names. before, if set, is called with the object's bytes
// first.
func decodeProtobuf(data []byte, obj runtime.Object, before func([]byte)) (string, error) {
	msg, ok := obj.(protoMessage)
	if !ok {
		return "", errors.New("the server sent protobuf, which this type cannot decode")
	}
	_, gvk, err := protobufEnvelope.Decode(data, nil, &protoTarget{Object: obj, msg: msg, before: before})
	kind := ""
	if gvk != nil {
		kind = gvk.Kind
	}
	return kind, err
}

// listItemsField is the protobuf field number of every Kubernetes list's
// items.
const listItemsField = 2

// countListItems counts the items of an encoded list, skipping over each.
// The generated Unmarshal appends item by item; given room for all of them
// first, it allocates the slice once instead of copying it at each
// doubling. On malformed input it returns what it counted so far and leaves
// the error to Unmarshal. Each item takes at least two bytes, so the count
// is bounded by the body's size.
func countListItems(data []byte) int {
	n := 0
	for len(data) > 0 {
		num, typ, m := protowire.ConsumeTag(data)
		if m < 0 {
			return n
		}
		data = data[m:]
		if m = protowire.ConsumeFieldValue(num, typ, data); m < 0 {
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
	if mediaType(contentType) != runtime.ContentTypeProtobuf || !errors.As(err, &se) || len(body) == 0 {
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
	_, gvk, err := protobufEnvelope.Decode(data, nil, st)
	if err != nil || gvk.Kind != "Status" {
		return nil, false
	}
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	return st, true
}
