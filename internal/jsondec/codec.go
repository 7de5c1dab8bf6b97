package jsondec

import (
	"encoding"
	"encoding/json"
	"reflect"
	"unsafe"

	"github.com/kdyn/kdyn/internal/codecs"
	"github.com/kdyn/kdyn/internal/jsonfields"
)

// decodeFunc decodes the value at d.pos, after whitespace, into the Go
// value of its codec's type at p.
type decodeFunc func(d *decoder, c *codec, p unsafe.Pointer) error

// codec is how values of one Go type decode. Built once per type and never
// changed after, so it is safe for concurrent use.
type codec struct {
	typ    reflect.Type
	size   uintptr
	decode decodeFunc

	elem   *codec       // pointer, slice and map element
	fields *fieldTable  // struct members
	strMap bool         // exactly map[string]string
	bytes  bool         // []byte-like: a JSON string is base64
	known  knownDecoder // a fast path for one apimachinery type, or nil
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	stringMapType       = reflect.TypeFor[map[string]string]()
)

// codecCache holds the codec of each type compiled so far.
var codecCache codecs.Cache[codec]

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

// decodeFuncFor picks the decoder for c.typ, compiling its parts.
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
	}
	// Interfaces, arrays and kinds JSON cannot fill.
	return decodeFallback
}

func (b builder) slice(c *codec) decodeFunc {
	et := c.typ.Elem()
	c.elem = b.codec(et)
	if et.Kind() == reflect.Uint8 {
		if reflect.PointerTo(et).Implements(unmarshalerType) || reflect.PointerTo(et).Implements(textUnmarshalerType) {
			return decodeFallback
		}
		c.bytes = true
	}
	return decodeSlice
}

func (b builder) mapOf(c *codec) decodeFunc {
	kt := c.typ.Key()
	if kt.Kind() != reflect.String || reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		return decodeFallback
	}
	c.strMap = c.typ == stringMapType
	c.elem = b.codec(c.typ.Elem())
	return decodeMap
}

func (b builder) structOf(c *codec) decodeFunc {
	fields := jsonfields.Of(c.typ)
	table := &fieldTable{}
	for _, f := range fields {
		off, ok := jsonfields.Offset(c.typ, f.Index)
		if !ok || f.Quoted {
			return decodeFallback
		}
		table.add(f.Name, off, b.codec(f.Type))
	}
	table.index()
	c.fields = table
	return decodeStruct
}
