package protodec

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/kdyn/kdyn/internal/codecs"
)

// kind is how a field's values are read off the wire.
type kind uint8

const (
	kindString  kind = iota // length-delimited, as a string type
	kindBytes               // length-delimited, as []byte
	kindVarint              // an integer or bool
	kindFixed64             // float64
	kindFixed32             // float32
	kindMessage             // length-delimited, a nested struct or a type with its own Unmarshal
	kindMap                 // length-delimited entries of key 1 and value 2
)

// field is one protobuf field of a struct.
type field struct {
	num    int32
	kind   kind
	ptr    bool // *T: set to a new value
	rep    bool // []T: appended to
	off    uintptr
	typ    reflect.Type // the field's Go type
	scalar reflect.Type // the type of one value: T of *T and []T
	esize  uintptr      // the size of scalar
	elem   *codec       // kindMessage: the message's codec
	key    *field       // kindMap: the entry's key and value
	val    *field
}

// codec is how one Go type decodes. Built once per type and never changed
// after, so it is safe for concurrent use.
type codec struct {
	typ      reflect.Type
	method   bool     // decode through the type's Unmarshal method
	fields   []*field // by field number; nil where the type has none
	sparse   map[int32]*field
	quantity bool // resource.Quantity: its string parsed without a copy
}

// maxDense bounds the field numbers kept in a slice rather than a map.
const maxDense = 128

func (c *codec) field(num int32) *field {
	if num < int32(len(c.fields)) {
		return c.fields[num]
	}
	return c.sparse[num]
}

// unmarshaler is the method every type of k8s.io/api has.
type unmarshaler interface {
	Unmarshal(data []byte) error
}

var unmarshalerType = reflect.TypeFor[unmarshaler]()

// codecCache holds the codec of each type compiled so far.
var codecCache codecs.Cache[codec]

// codecFor returns t's codec, compiling it, and the codecs of the types it
// holds, on first use.
func codecFor(t reflect.Type) *codec { return codecCache.For(t, compile) }

// builder compiles the codecs of a type graph.
type builder struct{ *codecs.Builder[codec] }

func (b builder) codec(t reflect.Type) *codec { return b.Codec(t) }

func compile(cb *codecs.Builder[codec], t reflect.Type, c *codec) {
	b := builder{cb}
	c.typ = t
	if t.Kind() != reflect.Struct || !hasTags(t) {
		c.method = reflect.PointerTo(t).Implements(unmarshalerType)
		c.quantity = t == quantityType
		return
	}
	unsupported := false
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("protobuf")
		f := b.field(tag, sf.Type)
		if f == nil {
			unsupported = unsupported || tag != "" && tag != "-"
			continue
		}
		f.off = sf.Offset
		if f.kind == kindMap {
			f.key, f.val = b.entryPart(1, sf.Type.Key()), b.entryPart(2, sf.Type.Elem())
		}
		unsupported = unsupported || !f.decodable()
		c.add(f)
	}
	if unsupported && reflect.PointerTo(t).Implements(unmarshalerType) {
		// A field of a shape the API types do not have ([]*T, *[]T, an
		// array): rather than drop its values, the type decodes as a whole
		// through its generated Unmarshal.
		c.fields, c.sparse, c.method = nil, nil, true
	}
}

// decodable reports whether the codecs decode f's values: a message's type
// must be a struct or decode itself.
func (f *field) decodable() bool {
	switch f.kind {
	case kindMessage:
		return f.elem.method || f.elem.quantity || f.elem.typ.Kind() == reflect.Struct
	case kindMap:
		return f.key.decodable() && f.val.decodable()
	}
	return true
}

func (c *codec) add(f *field) {
	if f.num < maxDense {
		for int32(len(c.fields)) <= f.num {
			c.fields = append(c.fields, nil)
		}
		c.fields[f.num] = f
		return
	}
	if c.sparse == nil {
		c.sparse = map[int32]*field{}
	}
	c.sparse[f.num] = f
}

// hasTags reports whether any field of struct t has a protobuf tag other
// than "-", which metav1.Time puts on the time.Time it wraps.
func hasTags(t reflect.Type) bool {
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("protobuf"); tag != "" && tag != "-" {
			return true
		}
	}
	return false
}

// entryPart describes a map entry's key (num 1) or value (num 2).
func (b builder) entryPart(num int32, t reflect.Type) *field {
	f := &field{num: num, typ: t, scalar: t, esize: t.Size()}
	b.setKind(f)
	return f
}

// setKind sets how f's values are read from their Go type: the struct
// tags of the API types name a wire type, but not always the one the
// generated code reads (a *string tagged varint).
func (b builder) setKind(f *field) {
	switch t := f.scalar; t.Kind() {
	case reflect.String:
		f.kind = kindString
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.kind = kindVarint
	case reflect.Float64:
		f.kind = kindFixed64
	case reflect.Float32:
		f.kind = kindFixed32
	default:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t).Implements(unmarshalerType) {
			f.kind = kindBytes
			return
		}
		f.kind = kindMessage
		f.elem = b.codec(t)
	}
}

// field describes a field of Go type t from its protobuf tag, such as
// "bytes,2,rep,name=items"; nil when there is none or it cannot be read.
// Only the field number is taken from the tag: whether the field repeats,
// and how its values are encoded, is what its Go type says, as for the
// generated code (tags name a wire type or "rep" that it does not use).
func (b builder) field(tag string, t reflect.Type) *field {
	parts := strings.Split(tag, ",")
	if len(parts) < 2 {
		return nil
	}
	num, err := strconv.Atoi(parts[1])
	if err != nil || num <= 0 || num > 1<<29-1 {
		return nil
	}
	f := &field{num: int32(num), typ: t, scalar: t}
	f.rep = t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 && !reflect.PointerTo(t).Implements(unmarshalerType)
	switch {
	case t.Kind() == reflect.Map:
		f.kind, f.rep = kindMap, false // "rep" of its entries
		return f
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !f.rep:
		f.kind = kindBytes
		return f
	case t.Kind() == reflect.Slice && f.rep:
		f.scalar = t.Elem()
	case t.Kind() == reflect.Pointer:
		f.ptr, f.scalar = true, t.Elem()
	}
	if f.rep && f.scalar.Kind() == reflect.Pointer {
		return nil // []*T: not in the API types
	}
	f.esize = f.scalar.Size()
	b.setKind(f)
	return f
}
