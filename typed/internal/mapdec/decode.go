package mapdec

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// Decoder converts maps into Go structs. Its zero value is ready to use.
// It keeps the tables of interned strings, shared maps and shared
// managedFields trees, so it is not safe for concurrent use: give each
// goroutine (each informer) its own.
type Decoder struct {
	in     interner
	shared shareTable
	fields fieldsTable
}

// Decode fills v, a non-nil pointer to a zero struct (or to any type JSON
// decodes into), from obj, as sigs.k8s.io/json would from obj's JSON. A
// value that does not fit its field is an *Error, and v is then partly
// filled. A panic of a type's own UnmarshalJSON is an error too.
func (d *Decoder) Decode(obj map[string]any, v any) (err error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("mapdec: decode into %T: a non-nil pointer is required", v)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mapdec: decode into %T panicked: %v", v, r)
		}
	}()
	c := codecFor(rv.Type().Elem())
	if obj == nil {
		return nil // JSON null leaves the value as it is
	}
	if err := c.decode(d, c, obj, rv.UnsafePointer()); err != nil {
		return finish(err)
	}
	return nil
}

// Error is a value that does not fit the Go type at Path in the object.
type Error struct {
	// Path locates the value, as in "spec.template.spec.containers[0].ports";
	// "" for the object itself.
	Path string
	// Value is the JSON type of the value: string, number, bool, array or
	// object; "" when Err says what went wrong instead.
	Value string
	// Type is the Go type it did not fit.
	Type reflect.Type
	// Err is the error of a type's own UnmarshalJSON, or of sigs.k8s.io/json.
	Err error

	segs []string // Path while unwinding, innermost first
}

func (e *Error) Error() string {
	var msg string
	if e.Err != nil {
		msg = fmt.Sprintf("%s: %v", e.Type, e.Err)
	} else {
		msg = fmt.Sprintf("cannot convert a JSON %s into Go type %s", e.Value, e.Type)
	}
	if e.Path == "" {
		return msg
	}
	return e.Path + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

func typeError(v any, t reflect.Type) error { return &Error{Value: jsonType(v), Type: t} }

// at records that err happened in the member or element seg; the path is
// joined once, at the top, however deep the error is.
func at(err error, seg string) error {
	if e, ok := err.(*Error); ok {
		e.segs = append(e.segs, seg)
		return e
	}
	return &Error{Err: err, segs: []string{seg}}
}

func finish(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	segs := slices.Clone(e.segs)
	slices.Reverse(segs)
	e.Path = strings.TrimPrefix(strings.Join(segs, ""), ".")
	e.segs = nil
	return e
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case int64, float64, int, int32, float32:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("value of Go type %T", v)
}

func decodeBool(_ *Decoder, c *codec, v any, p unsafe.Pointer) error {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		*(*bool)(p) = x
		return nil
	}
	return typeError(v, c.typ)
}

func decodeString(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		*(*string)(p) = d.in.str(x)
		return nil
	}
	return typeError(v, c.typ)
}

func decodeInt(_ *Decoder, c *codec, v any, p unsafe.Pointer) error {
	if v == nil {
		return nil
	}
	i, ok := v.(int64)
	if !ok {
		return typeError(v, c.typ)
	}
	bits := c.typ.Bits()
	if bits < 64 && (i < -1<<(bits-1) || i > 1<<(bits-1)-1) {
		return &Error{Value: "number " + fmt.Sprint(i), Type: c.typ}
	}
	switch c.typ.Kind() {
	case reflect.Int8:
		*(*int8)(p) = int8(i)
	case reflect.Int16:
		*(*int16)(p) = int16(i)
	case reflect.Int32:
		*(*int32)(p) = int32(i)
	case reflect.Int64:
		*(*int64)(p) = i
	default:
		*(*int)(p) = int(i)
	}
	return nil
}

func decodeUint(_ *Decoder, c *codec, v any, p unsafe.Pointer) error {
	if v == nil {
		return nil
	}
	i, ok := v.(int64)
	if !ok {
		return typeError(v, c.typ)
	}
	bits := c.typ.Bits()
	if i < 0 || (bits < 64 && uint64(i) > 1<<bits-1) {
		return &Error{Value: "number " + fmt.Sprint(i), Type: c.typ}
	}
	u := uint64(i)
	switch c.typ.Kind() {
	case reflect.Uint8:
		*(*uint8)(p) = uint8(u)
	case reflect.Uint16:
		*(*uint16)(p) = uint16(u)
	case reflect.Uint32:
		*(*uint32)(p) = uint32(u)
	case reflect.Uint64:
		*(*uint64)(p) = u
	case reflect.Uintptr:
		*(*uintptr)(p) = uintptr(u)
	default:
		*(*uint)(p) = uint(u)
	}
	return nil
}

func decodeFloat(_ *Decoder, c *codec, v any, p unsafe.Pointer) error {
	var f float64
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return typeError(v, c.typ)
	}
	if c.typ.Kind() == reflect.Float32 {
		if math.Abs(f) > math.MaxFloat32 {
			return &Error{Value: "number " + fmt.Sprint(v), Type: c.typ}
		}
		*(*float32)(p) = float32(f)
		return nil
	}
	*(*float64)(p) = f
	return nil
}
