package protodec

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"reflect"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Unmarshal decodes data, a message without its envelope, into v, a
// non-nil pointer to a zero value, as the generated Unmarshal decodes after
// Reset. Strings in v do not share data's memory.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("protodec: Unmarshal needs a non-nil pointer, not %T", v)
	}
	d := decoder{data: data, presizeLeft: presizeBudget(len(data))}
	return d.value(codecFor(rv.Type().Elem()), rv.UnsafePointer(), data)
}

// maxDepth bounds how deeply messages nest, as google.golang.org/protobuf's
// default RecursionLimit does: the generated code has no bound, and a
// recursive type (a CRD's JSONSchemaProps) nested a million times over, in
// a few megabytes, would exhaust the goroutine's stack, a fatal error.
const maxDepth = 10000

// decoder is the state of one Unmarshal: the whole input, for sizing string
// chunks, the current chunk, scratch map entries, and the nesting depth and
// what is left of the presize budget.
type decoder struct {
	data        []byte
	arena       []byte
	entries     map[entryPart]*scratch // keys and values of the maps seen
	depth       int                    // messages entered and not left
	presizeLeft int                    // bytes presize may still allocate
}

// chunkSize bounds the chunks strings are copied into: an object kept from
// a large list pins a chunk or two, not the list.
const chunkSize = 32 << 10

// keep copies b into the current chunk and returns it as a string.
func (d *decoder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, max(len(b), min(chunkSize, len(d.data))))
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b))
}

var quantityType = reflect.TypeFor[resource.Quantity]()

// value decodes msg into the value of c's type at p.
func (d *decoder) value(c *codec, p unsafe.Pointer, msg []byte) error {
	switch {
	case c.quantity:
		return d.quantityOf(p, msg)
	case c.method:
		return reflect.NewAt(c.typ, p).Interface().(unmarshaler).Unmarshal(msg)
	}
	if d.depth++; d.depth > maxDepth {
		return errTooDeep
	}
	err := d.message(c, p, msg)
	d.depth--
	return err
}

// message decodes the fields of msg into the struct at p.
func (d *decoder) message(c *codec, p unsafe.Pointer, msg []byte) error {
	for i := 0; i < len(msg); {
		start := i
		tag, next, err := varint(msg, i)
		if err != nil {
			return err
		}
		i = next
		num, wire := int32(tag>>3), int(tag&7)
		if wire == wireEnd {
			return fmt.Errorf("proto: %s: wiretype end group for non-group", c.typ.Name())
		}
		if num <= 0 {
			return fmt.Errorf("proto: %s: illegal tag %d (wire type %d)", c.typ.Name(), num, tag)
		}
		f := c.field(num)
		if f != nil && f.rep && f.kind != kindVarint && (*sliceHeader)(unsafe.Add(p, f.off)).data == nil {
			d.presize(f, unsafe.Add(p, f.off), msg[start:])
		}
		if f == nil {
			n, err := skip(msg[start:])
			if err != nil {
				return err
			}
			if start+n > len(msg) {
				return io.ErrUnexpectedEOF
			}
			i = start + n
			continue
		}
		if i, err = d.field(f, unsafe.Add(p, f.off), msg, i, wire); err != nil {
			return err
		}
	}
	return nil
}

// field decodes one occurrence of f, whose value starts at msg[i:], into
// the field at p, and returns where the next field starts.
func (d *decoder) field(f *field, p unsafe.Pointer, msg []byte, i, wire int) (int, error) {
	if f.rep && f.kind == kindVarint && wire == wireBytes {
		return d.packed(f, p, msg, i)
	}
	if want := wireOf(f.kind); wire != want {
		return 0, fmt.Errorf("proto: wrong wireType = %d for field number %d", wire, f.num)
	}
	switch f.kind {
	case kindVarint:
		v, next, err := varint(msg, i)
		if err != nil {
			return 0, err
		}
		setVarint(d.target(f, p), f.scalar, v)
		return next, nil
	case kindFixed64:
		if i+8 > len(msg) {
			return 0, io.ErrUnexpectedEOF
		}
		*(*float64)(d.target(f, p)) = math.Float64frombits(binary.LittleEndian.Uint64(msg[i:]))
		return i + 8, nil
	case kindFixed32:
		if i+4 > len(msg) {
			return 0, io.ErrUnexpectedEOF
		}
		*(*float32)(d.target(f, p)) = math.Float32frombits(binary.LittleEndian.Uint32(msg[i:]))
		return i + 4, nil
	}
	start, end, err := length(msg, i)
	if err != nil {
		return 0, err
	}
	body := msg[start:end]
	switch f.kind {
	case kindString:
		*(*string)(d.target(f, p)) = d.keep(body)
	case kindBytes:
		// append(x[:0], ...) on a fresh value, never nil: as generated.
		*(*[]byte)(d.target(f, p)) = append(make([]byte, 0, len(body)), body...)
	case kindMessage:
		err = d.value(f.elem, d.target(f, p), body)
	case kindMap:
		err = d.entry(f, p, msg, start, end)
	}
	return end, err
}

func wireOf(k kind) int {
	switch k {
	case kindVarint:
		return wireVarint
	case kindFixed64:
		return wireFixed64
	case kindFixed32:
		return wireFixed32
	}
	return wireBytes
}

// target returns where one value of f goes: the field itself, a new value
// for a pointer (a message pointer keeps the value it has), or a new
// element at the end of a slice.
func (d *decoder) target(f *field, p unsafe.Pointer) unsafe.Pointer {
	switch {
	case f.rep:
		return appendElem(f, p)
	case f.ptr:
		if f.kind == kindMessage {
			if q := *(*unsafe.Pointer)(p); q != nil {
				return q
			}
		}
		q := reflect.New(f.scalar).UnsafePointer()
		*(*unsafe.Pointer)(p) = q
		return q
	case f.kind == kindMessage && f.scalar.Kind() == reflect.Slice && (*sliceHeader)(p).data == nil:
		// A message that is a named slice (metav1.Verbs) starts empty,
		// not nil: as generated.
		*(*sliceHeader)(p) = sliceHeader{data: emptyArray}
	}
	return p
}

// setVarint stores v in the integer or bool at p, truncated to its size as
// the generated code's shifts truncate it.
func setVarint(p unsafe.Pointer, t reflect.Type, v uint64) {
	switch t.Kind() {
	case reflect.Bool:
		*(*bool)(p) = v != 0
	case reflect.Int8, reflect.Uint8:
		*(*uint8)(p) = uint8(v)
	case reflect.Int16, reflect.Uint16:
		*(*uint16)(p) = uint16(v)
	case reflect.Int32, reflect.Uint32:
		*(*uint32)(p) = uint32(v)
	default:
		*(*uint64)(p) = v
	}
}

// packed decodes a packed run of varints into the slice at p.
func (d *decoder) packed(f *field, p unsafe.Pointer, msg []byte, i int) (int, error) {
	start, end, err := length(msg, i)
	if err != nil {
		return 0, err
	}
	for i = start; i < end; {
		v, next, err := varint(msg, i)
		if err != nil {
			return 0, err
		}
		setVarint(appendElem(f, p), f.scalar, v)
		i = next
	}
	return i, nil
}

// quantityOf is resource.Quantity's Unmarshal for its usual encoding, one
// string field, without copying the string apart from the chunk.
func (d *decoder) quantityOf(p unsafe.Pointer, msg []byte) error {
	if len(msg) > 0 && msg[0] == 1<<3|wireBytes {
		if start, end, err := length(msg, 1); err == nil && end == len(msg) {
			q, err := resource.ParseQuantity(d.keep(msg[start:end]))
			if err != nil {
				return err
			}
			*(*resource.Quantity)(p) = q
			return nil
		}
	}
	return (*resource.Quantity)(p).Unmarshal(msg)
}

// sliceHeader is the layout of every slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// emptyArray is where empty, non-nil slices point, as make([]T, 0) does
// (to the runtime's zero-size base).
var emptyArray = unsafe.Pointer(&[0]uint64{})

// appendElem adds an element to the slice of f at p and returns where it
// is. The room past a slice's length is zero: the slices are made here,
// at their final length or by reflect's growth, in a value that started
// zero.
func appendElem(f *field, p unsafe.Pointer) unsafe.Pointer {
	h := (*sliceHeader)(p)
	if h.len == h.cap {
		reflect.NewAt(f.typ, p).Elem().Grow(1)
	}
	h.len++
	return unsafe.Add(h.data, uintptr(h.len-1)*f.esize)
}

// presizeBudget is how many bytes the presizing of one Unmarshal's slices
// may allocate: 8 per input byte, shared by all the slices, nested ones
// included. The occurrences presize counts are not decoded yet; when one
// fails to decode, what was allocated for the others was for nothing, and
// a budget per slice would allow that once per level of nested lists
// (each level's count is of occurrences after the one that holds the next
// level), hundreds of times the input in all.
func presizeBudget(n int) int { return 8*n + 4096 }

// presize gives the slice of f at p room for the occurrences of f at the
// start of msg, within what is left of the budget: the generated code
// appends one by one, copying a list of thousands of objects at each
// doubling. Encoders write a repeated field's values one after another, so
// counting stops at the first other field; any later ones are appended.
func (d *decoder) presize(f *field, p unsafe.Pointer, msg []byte) {
	n := 0
	for i := 0; i < len(msg); {
		tag, _, err := varint(msg, i)
		if err != nil || int32(tag>>3) != f.num || tag&7 != wireBytes {
			break
		}
		l, err := skip(msg[i:])
		if err != nil {
			break
		}
		n++
		i += l
	}
	if f.esize > 0 {
		n = min(n, d.presizeLeft/int(f.esize))
		d.presizeLeft -= n * int(f.esize)
	}
	if n > 0 {
		// Grow fills in the header in place; MakeSlice would allocate one.
		reflect.NewAt(f.typ, p).Elem().Grow(n)
	}
}
