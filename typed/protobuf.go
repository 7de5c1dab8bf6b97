package typed

import (
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/kdyn/kdyn/typed/internal/protodec"
)

// protobufEnvelope reads Kubernetes' protobuf encoding (a magic number, then
// a runtime.Unknown naming the kind around the object's bytes) with
// apimachinery's serializer. Its scheme knows no types, so the serializer
// hands the bytes to the Unmarshal of the object it is given.
var protobufEnvelope = protobuf.NewSerializer(runtime.NewScheme(), runtime.NewScheme())

// protoTarget is what decodeProtobuf gives the serializer: obj, whose
// bytes, once out of the envelope, it decodes with protodec rather than
// with the generated Unmarshal, which allocates each string on its own and
// grows each list item by item.
type protoTarget struct {
	runtime.Object
	msg protoMessage
}

func (p *protoTarget) Reset() { p.msg.Reset() }

func (p *protoTarget) Unmarshal(data []byte) error { return protodec.Unmarshal(data, p.Object) }

// decodeProtobuf decodes a protobuf response into obj and returns the kind
// its envelope names.
func decodeProtobuf(data []byte, obj runtime.Object) (string, error) {
	msg, ok := obj.(protoMessage)
	if !ok {
		return "", errors.New("the server sent protobuf, which this type cannot decode")
	}
	_, gvk, err := protobufEnvelope.Decode(data, nil, &protoTarget{Object: obj, msg: msg})
	kind := ""
	if gvk != nil {
		kind = gvk.Kind
	}
	return kind, err
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
