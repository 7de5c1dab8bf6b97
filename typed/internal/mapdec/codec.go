package mapdec

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/kdyn/kdyn/internal/codecs"
	"github.com/kdyn/kdyn/internal/jsonfields"
)

// decodeFunc converts v, a value of a decoded map, into the Go value of
// its codec's type at p. Conversions only ever write into zero values: a
// fresh object, or memory just allocated for a pointer, slice or map.
type decodeFunc func(d *Decoder, c *codec, v any, p unsafe.Pointer) error

// codec is how values of one Go type convert. Built once per type and
// never changed after, so it is safe for concurrent use.
type codec struct {
	typ    reflect.Type
	size   uintptr
	decode decodeFunc

	elem   *codec           // pointer, slice and map element
	key    reflect.Type     // map key
	salt   uint64           // of a map type: mixed into the hashes of shared maps
	fields map[string]field // struct members by JSON name
	strMap bool             // exactly map[string]string
	bytes  bool             // []byte-like: a string is base64
	known  knownFunc        // a direct path for one apimachinery type, or nil
}

// field is a struct member: where it is, and how it converts.
type field struct {
	name string
	off  uintptr
	c    *codec
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	stringMapType       = reflect.TypeFor[map[string]string]()
)

// codecCache holds the codec of each type compiled so far.
var codecCache codecs.Cache[codec]

// mapTypes counts the map types compiled, to salt each one's hashes.
var mapTypes atomic.Uint64

// codecFor returns t's codec, compiling it (and the codecs of the types it
// holds) on first use.
func codecFor(t reflect.Type) *codec { return codecCache.For(t, compile) }

// builder compiles the codecs of a type graph. Recursive types (a CRD's
// JSONSchemaProps) refer to the codec under construction.
type builder struct{ *codecs.Builder[codec] }

func (b builder) codec(t reflect.Type) *codec { return b.Codec(t) }

func compile(cb *codecs.Builder[codec], t reflect.Type, c *codec) {
	c.typ, c.size = t, t.Size()
	c.decode = builder{cb}.decodeFuncFor(c)
}

// decodeFuncFor picks the conversion of c.typ, compiling its parts.
func (b builder) decodeFuncFor(c *codec) decodeFunc {
	t := c.typ
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType) {
		c.known = knownFor(t)
		return decodeUnmarshaler
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return decodeFallback
	}
	switch t.Kind() {
	case reflect.Bool:
		return decodeBool
	case reflect.String:
		return decodeString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return decodeUint
	case reflect.Float32, reflect.Float64:
		return decodeFloat
	case reflect.Pointer:
		if t.Name() != "" {
			return decodeFallback
		}
		c.elem = b.codec(t.Elem())
		return decodePointer
	case reflect.Slice:
		return b.slice(c)
	case reflect.Map:
		return b.mapOf(c)
	case reflect.Struct:
		return b.structOf(c)
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return decodeAny
		}
	}
	// Non-empty interfaces, arrays and kinds JSON cannot fill.
	return decodeFallback
}

func (b builder) slice(c *codec) decodeFunc {
	et := c.typ.Elem()
	if et.Kind() == reflect.Uint8 {
		if reflect.PointerTo(et).Implements(unmarshalerType) || reflect.PointerTo(et).Implements(textUnmarshalerType) {
			return decodeFallback
		}
		c.bytes = true
	}
	c.elem = b.codec(et)
	return decodeSlice
}

func (b builder) mapOf(c *codec) decodeFunc {
	kt := c.typ.Key()
	if kt.Kind() != reflect.String || reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		return decodeFallback
	}
	c.key = kt
	c.salt = mix(mapTypes.Add(1))
	c.strMap = c.typ == stringMapType
	c.elem = b.codec(c.typ.Elem())
	return decodeMap
}

func (b builder) structOf(c *codec) decodeFunc {
	members := jsonfields.Of(c.typ)
	fields := make(map[string]field, len(members))
	for _, f := range members {
		off, ok := jsonfields.Offset(c.typ, f.Index)
		if !ok || f.Quoted {
			return decodeFallback
		}
		fields[f.Name] = field{name: f.Name, off: off, c: b.codec(f.Type)}
	}
	c.fields = fields
	return decodeStruct
}
