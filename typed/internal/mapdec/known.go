package mapdec

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
)

// knownFunc converts a value into one json.Unmarshaler type directly,
// giving what its UnmarshalJSON gives for the value's JSON. done is false
// when it leaves the value to UnmarshalJSON after all (a value it does not
// expect, whose error UnmarshalJSON words).
type knownFunc func(d *Decoder, v any, p unsafe.Pointer) (done bool, err error)

// knownFor returns the direct path for t, or nil. Every object has a few
// timestamps, every container a few quantities and ports, and objects
// whose managedFields are kept a fieldsV1 tree per manager.
func knownFor(t reflect.Type) knownFunc {
	switch t {
	case reflect.TypeFor[metav1.Time]():
		return decodeTime
	case reflect.TypeFor[metav1.MicroTime]():
		return decodeMicroTime
	case reflect.TypeFor[resource.Quantity]():
		return decodeQuantity
	case reflect.TypeFor[intstr.IntOrString]():
		return decodeIntOrString
	case reflect.TypeFor[metav1.FieldsV1]():
		return decodeFieldsV1
	}
	return nil
}

// decodeUnmarshaler hands the value, encoded as JSON, to the type's
// UnmarshalJSON, null included, as encoding/json does for a value that is
// not a pointer.
func decodeUnmarshaler(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	if c.known != nil {
		if done, err := c.known(d, v, p); done {
			return err
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return &Error{Type: c.typ, Err: err}
	}
	if err := reflect.NewAt(c.typ, p).Interface().(json.Unmarshaler).UnmarshalJSON(data); err != nil {
		return &Error{Type: c.typ, Err: err}
	}
	return nil
}

// decodeFallback converts the value with sigs.k8s.io/json itself, from the
// value encoded as JSON, for what the codecs do not cover.
func decodeFallback(_ *Decoder, c *codec, v any, p unsafe.Pointer) error {
	data, err := json.Marshal(v)
	if err != nil {
		return &Error{Type: c.typ, Err: err}
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, reflect.NewAt(c.typ, p).Interface()); err != nil {
		return &Error{Type: c.typ, Err: err}
	}
	return nil
}

// decodeTime is metav1.Time's UnmarshalJSON: RFC 3339, in the local time
// zone; null is the zero time.
func decodeTime(_ *Decoder, v any, p unsafe.Pointer) (bool, error) {
	t, ok := parseTime(v, time.RFC3339)
	if ok {
		(*metav1.Time)(p).Time = t
	}
	return ok, nil
}

// decodeMicroTime is metav1.MicroTime's UnmarshalJSON.
func decodeMicroTime(_ *Decoder, v any, p unsafe.Pointer) (bool, error) {
	t, ok := parseTime(v, metav1.RFC3339Micro)
	if ok {
		(*metav1.MicroTime)(p).Time = t
	}
	return ok, nil
}

// parseTime parses a string in layout into local time, null into the zero
// time; ok is false for anything else, left to UnmarshalJSON's error.
func parseTime(v any, layout string) (time.Time, bool) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, true
	case string:
		t, err := time.Parse(layout, x)
		if err != nil {
			return time.Time{}, false
		}
		return t.Local(), true
	}
	return time.Time{}, false
}

// decodeQuantity is resource.Quantity's UnmarshalJSON for strings that
// JSON holds as they are, and for integers. UnmarshalJSON parses the bytes
// between the quotes without unescaping them, so a string that encodes
// with escapes goes to it. A Quantity may keep the string it was parsed
// from: it gets the interned copy.
func decodeQuantity(d *Decoder, v any, p unsafe.Pointer) (bool, error) {
	var s string
	switch x := v.(type) {
	case nil:
		*(*resource.Quantity)(p) = resource.Quantity{}
		return true, nil
	case string:
		if !plainJSON(x) {
			return false, nil
		}
		s = strings.TrimSpace(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return false, nil
	}
	q, err := resource.ParseQuantity(d.in.str(s))
	if err != nil {
		return false, nil
	}
	*(*resource.Quantity)(p) = q
	return true, nil
}

// plainJSON reports whether encoding/json writes s as it is, without
// escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// decodeIntOrString is intstr.IntOrString's UnmarshalJSON: a string, or
// an integer that fits an int32; null leaves the zero value.
func decodeIntOrString(d *Decoder, v any, p unsafe.Pointer) (bool, error) {
	switch x := v.(type) {
	case nil:
		return true, nil
	case string:
		*(*intstr.IntOrString)(p) = intstr.IntOrString{Type: intstr.String, StrVal: d.in.str(x)}
		return true, nil
	case int64:
		if int64(int32(x)) != x {
			return false, nil
		}
		*(*intstr.IntOrString)(p) = intstr.IntOrString{Type: intstr.Int, IntVal: int32(x)}
		return true, nil
	}
	return false, nil
}

// decodeFieldsV1 is metav1.FieldsV1's UnmarshalJSON, for the tree encoded
// as JSON; a tree equal to one converted recently gets its FieldsV1, whose
// bytes are shared: the fields a manager owns are mostly the same for
// every object it manages.
func decodeFieldsV1(d *Decoder, v any, p unsafe.Pointer) (bool, error) {
	tree, ok := v.(map[string]any)
	if !ok {
		return v == nil, nil // null leaves it empty; others go to UnmarshalJSON's error
	}
	h := d.hashTree(tree)
	if f, ok := d.fields.find(h, tree); ok {
		*(*metav1.FieldsV1)(p) = f
		return true, nil
	}
	data, err := json.Marshal(tree)
	if err != nil {
		return false, nil
	}
	f := (*metav1.FieldsV1)(p)
	f.SetRawBytes(data)
	cp, err := d.copyValue(tree)
	if err == nil {
		d.fields.keep(h, cp, *f)
	}
	return true, nil
}
