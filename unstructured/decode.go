package unstructured

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Decode decodes a JSON object into an *unstructured.Unstructured, or into an
// *unstructured.UnstructuredList when it has an "items" key, producing what
// runtime.Decode(unstructured.UnstructuredJSONScheme, data) produces: the
// same values, the same list items with apiVersion and kind inferred from the
// list, and a missing-kind error from runtime.NewMissingKindErr.
//
// Decoded strings share one copy of data: keeping any of them keeps that copy.
func Decode(data []byte) (runtime.Object, error) {
	s := newScanner(data)
	top, err := s.document()
	if err != nil {
		return nil, err
	}
	var obj runtime.Object
	if m, ok := top.(map[string]any); ok {
		if _, isList := m["items"]; isList {
			obj, err = toList(s, m, &unstructured.UnstructuredList{})
		} else {
			obj = &unstructured.Unstructured{Object: m}
		}
	} else if top == nil {
		obj = &unstructured.Unstructured{}
	} else {
		return nil, fmt.Errorf("unstructured: cannot decode JSON %s into an object", kindOf(top))
	}
	if err != nil {
		return nil, err
	}
	return withKind(obj, data)
}

// DecodeValue decodes any JSON document into the values apimachinery's
// decoder produces: map[string]any, []any, string, int64, float64, bool or
// nil. Decoded strings share one copy of data.
func DecodeValue(data []byte) (any, error) {
	return newScanner(data).document()
}

// Decoder decodes a sequence of JSON documents, such as the events of a
// watch stream, reusing its scratch space and sharing the boxed copies of
// repeated short string values between documents. Each document's strings
// share one copy of that document. A Decoder is not safe for concurrent use.
type Decoder struct {
	s scanner
}

// DecodeValue decodes one document as the package-level DecodeValue does.
func (d *Decoder) DecodeValue(data []byte) (any, error) {
	d.s.reset(data)
	return d.s.document()
}

// DecodeObject decodes a JSON object into an *unstructured.Unstructured,
// keeping an "items" key as a plain field, as decoding into an
// *unstructured.Unstructured with UnstructuredJSONScheme does.
func DecodeObject(data []byte) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	if err := decodeInto(data, u); err != nil {
		return nil, err
	}
	if _, err := withKind(u, data); err != nil {
		return nil, err
	}
	return u, nil
}

// DecodeList decodes a JSON list into an *unstructured.UnstructuredList whose
// items carry apiVersion and kind.
func DecodeList(data []byte) (*unstructured.UnstructuredList, error) {
	l := &unstructured.UnstructuredList{}
	if err := decodeInto(data, l); err != nil {
		return nil, err
	}
	if _, err := withKind(l, data); err != nil {
		return nil, err
	}
	return l, nil
}

func decodeInto(data []byte, into runtime.Object) error {
	s := newScanner(data)
	top, err := s.document()
	if err != nil {
		return err
	}
	m, ok := top.(map[string]any)
	if !ok && top != nil {
		return fmt.Errorf("unstructured: cannot decode JSON %s into an object", kindOf(top))
	}
	switch into := into.(type) {
	case *unstructured.Unstructured:
		into.Object = m
		return nil
	case *unstructured.UnstructuredList:
		if m == nil {
			into.Object, into.Items = nil, []unstructured.Unstructured{}
			return nil
		}
		if into.Object != nil {
			// apimachinery unmarshals into the existing map, merging keys.
			for k, v := range m {
				into.Object[k] = v
			}
			m = into.Object
		}
		_, err := toList(s, m, into)
		return err
	}
	return fmt.Errorf("unstructured: cannot decode into %T", into)
}

// toList moves m's items into list.Items, filling in apiVersion and kind of
// the items that have neither from the list's own.
func toList(s *scanner, m map[string]any, list *unstructured.UnstructuredList) (*unstructured.UnstructuredList, error) {
	if s.badItems {
		return nil, fmt.Errorf("unstructured: items must be an array or null")
	}
	list.Object = m
	items, _ := m["items"].([]any)
	// The items share one boxed copy of the list's apiVersion and kind.
	var apiVersion, itemKind any = list.GetAPIVersion(), strings.TrimSuffix(list.GetKind(), "List")
	delete(m, "items")
	list.Items = make([]unstructured.Unstructured, len(items))
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok && it != nil {
			return nil, fmt.Errorf("unstructured: items[%d] must be an object, not a JSON %s", i, kindOf(it))
		}
		// As UnstructuredJSONScheme does (GetKind and GetAPIVersion read a
		// non-string as ""): fill in both only when neither is set.
		kind, _ := obj["kind"].(string)
		version, _ := obj["apiVersion"].(string)
		if kind == "" && version == "" {
			if obj == nil {
				obj = make(map[string]any, 2)
			}
			obj["kind"], obj["apiVersion"] = itemKind, apiVersion
		}
		list.Items[i].Object = obj
	}
	return list, nil
}

func withKind(obj runtime.Object, data []byte) (runtime.Object, error) {
	if obj.GetObjectKind().GroupVersionKind().Kind == "" {
		return nil, runtime.NewMissingKindErr(string(data))
	}
	return obj, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case map[string]any:
		return "object"
	default:
		return "number"
	}
}

// JSONScheme is a runtime.Codec for unstructured objects: it decodes with this
// package's decoder and encodes with apimachinery's UnstructuredJSONScheme.
// Decoding into anything but *unstructured.Unstructured or
// *unstructured.UnstructuredList is left to UnstructuredJSONScheme.
// It is safe for concurrent use.
var JSONScheme runtime.Codec = jsonScheme{}

type jsonScheme struct{}

// Decode implements runtime.Decoder.
func (jsonScheme) Decode(data []byte, _ *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	var (
		obj runtime.Object
		err error
	)
	switch into.(type) {
	case nil:
		obj, err = Decode(data)
	case *unstructured.Unstructured, *unstructured.UnstructuredList:
		if err = decodeInto(data, into); err == nil {
			obj, err = withKind(into, data)
		}
	default:
		return unstructured.UnstructuredJSONScheme.Decode(data, nil, into)
	}
	if err != nil {
		return nil, nil, err
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	return obj, &gvk, nil
}

// Encode implements runtime.Encoder.
func (jsonScheme) Encode(obj runtime.Object, w io.Writer) error {
	return unstructured.UnstructuredJSONScheme.Encode(obj, w)
}

// Identifier implements runtime.Encoder.
func (jsonScheme) Identifier() runtime.Identifier {
	return unstructured.UnstructuredJSONScheme.Identifier()
}
