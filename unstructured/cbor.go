package unstructured

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/unstructuredscheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
)

// CBORScheme is apimachinery's CBOR serializer (application/cbor, KEP-4222)
// set up for unstructured objects. It is safe for concurrent use.
var CBORScheme runtime.Serializer = cbor.NewSerializer(
	unstructuredscheme.NewUnstructuredCreator(), unstructuredscheme.NewUnstructuredObjectTyper())

// DecodeCBOR decodes a CBOR object into an *unstructured.Unstructured, or into
// an *unstructured.UnstructuredList when it has an "items" key. Lists are
// decoded twice; call DecodeCBORList when a list is expected.
func DecodeCBOR(data []byte) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	if _, _, err := CBORScheme.Decode(data, nil, u); err != nil {
		return nil, fmt.Errorf("unstructured: decode CBOR: %w", err)
	}
	if _, isList := u.Object["items"]; isList {
		return DecodeCBORList(data)
	}
	return u, nil
}

// DecodeCBORList decodes a CBOR list into an *unstructured.UnstructuredList
// whose items carry apiVersion and kind, as Decode does for JSON.
func DecodeCBORList(data []byte) (*unstructured.UnstructuredList, error) {
	l := &unstructured.UnstructuredList{}
	if _, _, err := CBORScheme.Decode(data, nil, l); err != nil {
		return nil, fmt.Errorf("unstructured: decode CBOR list: %w", err)
	}
	if l.Items == nil {
		l.Items = []unstructured.Unstructured{}
	}
	return l, nil
}

// EncodeCBOR encodes an unstructured object or list as self-described CBOR.
func EncodeCBOR(obj runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	if err := CBORScheme.Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("unstructured: encode CBOR: %w", err)
	}
	return buf.Bytes(), nil
}
