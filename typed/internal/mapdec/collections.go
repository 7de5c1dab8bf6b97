package mapdec

import (
	"encoding/base64"
	"reflect"
	"strconv"
	"unsafe"
)

// sliceHeader is the layout of every slice; storing it through a typed
// pointer field keeps the garbage collector's write barriers.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// emptyArray is where empty, non-nil slices point, as make([]T, 0) does.
var emptyArray = unsafe.Pointer(&[0]uint64{})

// decodeStruct converts an object member by member; members the struct
// does not have are dropped.
func decodeStruct(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return typeError(v, c.typ)
	}
	for k, e := range m {
		f, ok := c.fields[k]
		if !ok {
			continue
		}
		if err := f.c.decode(d, f.c, e, unsafe.Add(p, f.off)); err != nil {
			return at(err, "."+f.name)
		}
	}
	return nil
}

// decodePointer: null leaves the pointer nil; any other value is converted
// into a new value pointed to.
func decodePointer(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	if v == nil {
		return nil
	}
	q := reflect.New(c.elem.typ).UnsafePointer()
	*(*unsafe.Pointer)(p) = q
	return c.elem.decode(d, c.elem, v, q)
}

// decodeSlice converts an array into a slice of its length ([] gives an
// empty, non-nil slice), and a string into a []byte as base64.
func decodeSlice(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	var arr []any
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		arr = x
	case string:
		if c.bytes {
			return decodeBase64(x, c, p)
		}
		return typeError(v, c.typ)
	default:
		return typeError(v, c.typ)
	}
	hdr := (*sliceHeader)(p)
	if len(arr) == 0 {
		*hdr = sliceHeader{data: emptyArray}
		return nil
	}
	// Grow fills in the header in place; MakeSlice would allocate one.
	reflect.NewAt(c.typ, p).Elem().Grow(len(arr))
	hdr.len = len(arr)
	ec := c.elem
	for i, e := range arr {
		if err := ec.decode(d, ec, e, unsafe.Add(hdr.data, uintptr(i)*ec.size)); err != nil {
			return at(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return nil
}

// decodeBase64 decodes s as encoding/json decodes a string into a []byte.
func decodeBase64(s string, c *codec, p unsafe.Pointer) error {
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, []byte(s))
	if err != nil {
		return &Error{Type: c.typ, Err: err}
	}
	*(*sliceHeader)(p) = sliceHeader{data: unsafe.Pointer(unsafe.SliceData(b)), len: n, cap: cap(b)}
	return nil
}

// decodeMap converts an object into a map with string keys. null as a
// member's value stores the element type's zero value, as in JSON. A map
// of scalars equal to one converted recently into the same type is that
// map, shared.
func decodeMap(d *Decoder, c *codec, v any, p unsafe.Pointer) error {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return typeError(v, c.typ)
	}
	h, share := d.hashFlat(m, c.salt)
	if share {
		if val, ok := d.shared.find(c.typ, h, m); ok {
			reflect.NewAt(c.typ, p).Elem().Set(reflect.ValueOf(val))
			return nil
		}
	}
	var err error
	if c.strMap {
		err = decodeStringMap(d, c, m, p)
	} else {
		err = decodeAnyMap(d, c, m, p)
	}
	if err == nil && share {
		d.shared.keep(d, c.typ, h, m, reflect.NewAt(c.typ, p).Elem().Interface())
	}
	return err
}

// decodeAnyMap converts the members of m into a new map of c's type.
func decodeAnyMap(d *Decoder, c *codec, m map[string]any, p unsafe.Pointer) error {
	out := reflect.MakeMapWithSize(c.typ, len(m))
	key, elem := reflect.New(c.key).Elem(), reflect.New(c.elem.typ).Elem()
	ec := c.elem
	for k, e := range m {
		if err := ec.decode(d, ec, e, elem.Addr().UnsafePointer()); err != nil {
			return at(err, "."+k)
		}
		*(*string)(key.Addr().UnsafePointer()) = d.in.str(k)
		out.SetMapIndex(key, elem) // copies both
		elem.SetZero()
	}
	reflect.NewAt(c.typ, p).Elem().Set(out)
	return nil
}

// decodeStringMap is decodeAnyMap for map[string]string: labels,
// annotations, selectors.
func decodeStringMap(d *Decoder, c *codec, m map[string]any, p unsafe.Pointer) error {
	out := make(map[string]string, len(m))
	for k, e := range m {
		switch x := e.(type) {
		case string:
			out[d.in.str(k)] = d.in.str(x)
		case nil:
			out[d.in.str(k)] = ""
		default:
			return at(typeError(e, c.elem.typ), "."+k)
		}
	}
	*(*map[string]string)(p) = out
	return nil
}

// decodeAny copies a value into an empty interface, as sigs.k8s.io/json
// decodes one: objects as map[string]any, arrays as []any, integers as
// int64. The copy shares no string or container with the map's.
func decodeAny(d *Decoder, _ *codec, v any, p unsafe.Pointer) error {
	if v == nil {
		return nil
	}
	cp, err := d.copyValue(v)
	if err != nil {
		return err
	}
	*(*any)(p) = cp
	return nil
}

func (d *Decoder) copyValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return d.in.str(x), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := d.copyValue(e)
			if err != nil {
				return nil, at(err, "."+k)
			}
			out[d.in.str(k)] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := d.copyValue(e)
			if err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			out[i] = c
		}
		return out, nil
	case nil, bool, int64, float64:
		return x, nil
	}
	return nil, &Error{Value: jsonType(v), Type: reflect.TypeFor[any]()}
}
