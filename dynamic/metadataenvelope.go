package dynamic

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime"
)

// protobufMagic starts every body in Kubernetes' protobuf encoding.
var protobufMagic = []byte("k8s\x00")

// The fields of runtime.Unknown, the envelope around an encoded object:
// all of them length-delimited. Its ContentEncoding and ContentType are
// skipped, as apimachinery's serializer ignores them.
const (
	unknownTypeMetaField    = 1
	unknownRawField         = 2
	unknownContentTypeField = 4
)

// protoMessage is an apimachinery type with generated protobuf code.
type protoMessage interface {
	Reset()
	Unmarshal([]byte) error
}

// decodeProtobuf decodes a body in Kubernetes' protobuf encoding into msg
// with msg's generated Unmarshal, and returns the kind the envelope names.
// It reads what apimachinery's protobuf serializer reads, but leaves the
// object's bytes in data: the serializer's runtime.Unknown copies them
// first, as many bytes again as the body, for the collector (the generated
// code copies whatever it keeps, so nothing decoded refers to data). On
// malformed input it may be stricter than the serializer (a group whose
// end names another field, an overlong varint), never laxer.
func decodeProtobuf(data []byte, msg protoMessage) (string, error) {
	tm, raw, err := unwrapProtobuf(data)
	if err != nil {
		return "", err
	}
	msg.Reset()
	if err := msg.Unmarshal(raw); err != nil {
		return "", err
	}
	return tm.Kind, nil
}

// unwrapProtobuf reads the envelope of data: the TypeMeta it names and the
// object's encoded bytes, a part of data.
func unwrapProtobuf(data []byte) (runtime.TypeMeta, []byte, error) {
	var (
		tm  runtime.TypeMeta
		raw []byte
	)
	switch {
	case len(data) == 0:
		return tm, nil, errors.New("empty data")
	case !bytes.HasPrefix(data, protobufMagic):
		return tm, nil, fmt.Errorf("provided data does not appear to be a protobuf message, expected prefix %v", protobufMagic)
	case len(data) == len(protobufMagic):
		return tm, nil, errors.New("empty body")
	}
	for b := data[len(protobufMagic):]; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return tm, nil, fmt.Errorf("protobuf envelope: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num > unknownContentTypeField {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return tm, nil, fmt.Errorf("protobuf envelope: %w", protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if typ != protowire.BytesType {
			return tm, nil, fmt.Errorf("protobuf envelope: wrong wire type %d for field %d", typ, num)
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return tm, nil, fmt.Errorf("protobuf envelope: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch num {
		case unknownRawField:
			raw = v
		case unknownTypeMetaField:
			if err := tm.Unmarshal(v); err != nil {
				return tm, nil, fmt.Errorf("protobuf envelope: %w", err)
			}
		}
	}
	return tm, raw, nil
}
