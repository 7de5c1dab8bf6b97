package jsondec

import (
	"encoding/base64"
	"reflect"
	"unsafe"
)

// sliceHeader is the layout of every slice; storing it through a typed
// pointer field keeps the garbage collector's write barriers.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// emptyArray is where empty, non-nil slices point, as make([]T, 0) does
// (to the runtime's zero-size base).
var emptyArray = unsafe.Pointer(&[0]uint64{})

// decodePointer: null makes the pointer nil; any other value is decoded
// into the value pointed to, allocated if the pointer is nil.
func decodePointer(d *decoder, c *codec, p unsafe.Pointer) error {
	if d.data[d.pos] == 'n' {
		*(*unsafe.Pointer)(p) = nil
		return d.literal("null")
	}
	q := *(*unsafe.Pointer)(p)
	if q == nil {
		q = reflect.New(c.elem.typ).UnsafePointer()
		*(*unsafe.Pointer)(p) = q
	}
	return c.elem.decode(d, c.elem, q)
}

// decodeSlice decodes an array into a slice allocated at its final length
// ([] gives an empty, non-nil slice), null into nil, and a string into a
// []byte as base64.
func decodeSlice(d *decoder, c *codec, p unsafe.Pointer) error {
	switch d.data[d.pos] {
	case '[':
	case 'n':
		*(*sliceHeader)(p) = sliceHeader{}
		return d.literal("null")
	case '"':
		if c.bytes {
			return d.base64(p)
		}
		return d.typeError(c.typ)
	default:
		return d.typeError(c.typ)
	}
	if (*sliceHeader)(p).data != nil {
		// encoding/json decodes into the elements already there; rare
		// enough (a duplicate key) to leave to it.
		return decodeFallback(d, c, p)
	}
	ec := c.elem
	n := d.presize(d.countElems(), ec.size)
	hdr := (*sliceHeader)(p)
	if n == 0 {
		*hdr = sliceHeader{data: emptyArray} // [] is empty, not nil
	} else {
		// Grow fills in the header in place; MakeSlice would allocate one.
		reflect.NewAt(c.typ, p).Elem().Grow(n)
		hdr.len = n
	}
	if empty, err := d.open(']'); err != nil || empty {
		return err
	}
	for i := 0; ; i++ {
		if i == hdr.len {
			// Past the budget, or malformed input that countElems miscounted.
			grow(c.typ, p)
		}
		if err := ec.decode(d, ec, unsafe.Add(hdr.data, uintptr(i)*ec.size)); err != nil {
			return err
		}
		more, err := d.next(']', "array element")
		if err != nil {
			return err
		}
		if !more {
			hdr.len = i + 1
			return nil
		}
		if err := d.value(); err != nil {
			return err
		}
	}
}

// presize returns how many of n elements of size bytes to allocate ahead
// of decoding them, within what is left of the budget: a list takes about
// as many bytes in memory as in JSON, and the budget keeps malformed input
// (a long run of commas) from costing gigabytes before decoding finds the
// error. Elements past it are added as they decode.
func (d *decoder) presize(n int, size uintptr) int {
	if size == 0 {
		return n
	}
	n = min(n, d.presizeLeft/int(size))
	d.presizeLeft -= n * int(size)
	return n
}

// grow adds room for one more element to the slice at p.
func grow(t reflect.Type, p unsafe.Pointer) {
	v := reflect.NewAt(t, p).Elem()
	v.Grow(1)
	v.SetLen(v.Len() + 1)
}

// base64 decodes a JSON string into the []byte at p, as encoding/json does.
func (d *decoder) base64(p unsafe.Pointer) error {
	raw, clean, err := d.rawString()
	if err != nil {
		return err
	}
	if !clean {
		raw = d.unquote(raw)
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(b, raw)
	if err != nil {
		return err
	}
	*(*[]byte)(p) = b[:n]
	return nil
}

// decodeMap decodes an object into a map with string keys, adding to a map
// already there; null makes it nil.
func decodeMap(d *decoder, c *codec, p unsafe.Pointer) error {
	switch d.data[d.pos] {
	case '{':
	case 'n':
		*(*unsafe.Pointer)(p) = nil
		return d.literal("null")
	default:
		return d.typeError(c.typ)
	}
	m := reflect.NewAt(c.typ, p).Elem()
	if m.IsNil() {
		m.Set(reflect.MakeMap(c.typ))
	}
	if empty, err := d.open('}'); err != nil || empty {
		return err
	}
	if c.strMap {
		return d.stringMap(*(*map[string]string)(p))
	}
	return d.members(c, m)
}

// members decodes the members of an object into m; each value is decoded
// into a zero element, as encoding/json does.
func (d *decoder) members(c *codec, m reflect.Value) error {
	k := reflect.New(c.typ.Key()).Elem()
	e := reflect.New(c.typ.Elem()).Elem()
	ep := e.Addr().UnsafePointer()
	for {
		if d.data[d.pos] != '"' {
			return d.syntax("invalid character %q looking for beginning of object key string", d.data[d.pos])
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.afterKey(); err != nil {
			return err
		}
		e.SetZero()
		if err := c.elem.decode(d, c.elem, ep); err != nil {
			return err
		}
		k.SetString(key)
		m.SetMapIndex(k, e)
		more, err := d.next('}', "object key:value pair")
		if !more || err != nil {
			return err
		}
		if err := d.value(); err != nil {
			return err
		}
	}
}

// stringMap is members for map[string]string, labels and annotations,
// without reflection.
func (d *decoder) stringMap(m map[string]string) error {
	for {
		if d.data[d.pos] != '"' {
			return d.syntax("invalid character %q looking for beginning of object key string", d.data[d.pos])
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.afterKey(); err != nil {
			return err
		}
		var v string
		if err := decodeString(d, stringCodec, unsafe.Pointer(&v)); err != nil {
			return err
		}
		m[key] = v
		more, err := d.next('}', "object key:value pair")
		if !more || err != nil {
			return err
		}
		if err := d.value(); err != nil {
			return err
		}
	}
}

var stringCodec = &codec{typ: reflect.TypeFor[string](), size: unsafe.Sizeof(""), decode: decodeString}
