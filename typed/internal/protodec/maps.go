package protodec

import (
	"fmt"
	"io"
	"reflect"
	"unsafe"
)

// entry decodes one map entry, msg[start:end], into the map at p: the key
// is field 1, the value field 2, each read as the map's types say whatever
// the wire type, and bounded by the message rather than the entry, as the
// generated code reads them.
func (d *decoder) entry(f *field, p unsafe.Pointer, msg []byte, start, end int) error {
	m := reflect.NewAt(f.typ, p).Elem()
	if m.IsNil() {
		m.Set(reflect.MakeMap(f.typ))
	}
	k, v := d.borrow(entryPart{f.typ.Key(), 1}), d.borrow(entryPart{f.typ.Elem(), 2})
	err := d.entryParts(f, k.v, v.v, msg, start, end)
	if err == nil {
		m.SetMapIndex(k.v, v.v)
	}
	k.busy, v.busy = false, false
	return err
}

func (d *decoder) entryParts(f *field, k, v reflect.Value, msg []byte, start, end int) error {
	k.SetZero()
	fresh(v)
	for i := start; i < end; {
		from := i
		tag, next, err := varint(msg, i)
		if err != nil {
			return err
		}
		i = next
		switch int32(tag >> 3) {
		case 1:
			i, err = d.part(f.key, k.Addr().UnsafePointer(), msg, i)
		case 2:
			if f.val.kind == kindMessage {
				// Each value replaces the one before, as the generated
				// code decodes it into a new value; it does not merge.
				fresh(v)
			}
			i, err = d.part(f.val, v.Addr().UnsafePointer(), msg, i)
		default:
			var n int
			if n, err = skip(msg[from:]); err == nil && from+n > end {
				err = io.ErrUnexpectedEOF
			}
			i = from + n
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fresh zeroes a map entry's value as the generated code makes one: a
// []byte or a named slice (ExtraValue) empty, not nil, as its composite
// literals do.
func fresh(v reflect.Value) {
	v.SetZero()
	if v.Kind() == reflect.Slice {
		*(*sliceHeader)(v.Addr().UnsafePointer()) = sliceHeader{data: emptyArray}
	}
}

// entryPart is a map entry's key (1) or value (2) of a type.
type entryPart struct {
	t   reflect.Type
	num int32
}

// scratch is an addressable key or value reused between map entries.
// busy marks one in use by an entry still being decoded: the value of a
// map can hold a map of the same types (a JSONSchemaProps's properties),
// whose entries then need scratch values of their own.
type scratch struct {
	v    reflect.Value
	busy bool
}

// borrow returns a scratch key or value for part, marked busy; the caller
// clears busy when done with it. Its contents are left as they are.
func (d *decoder) borrow(part entryPart) *scratch {
	s, ok := d.entries[part]
	if ok && s.busy {
		return &scratch{v: reflect.New(part.t).Elem(), busy: true}
	}
	if !ok {
		if d.entries == nil {
			d.entries = map[entryPart]*scratch{}
		}
		s = &scratch{v: reflect.New(part.t).Elem()}
		d.entries[part] = s
	}
	s.busy = true
	return s
}

// part decodes a map entry's key or value.
func (d *decoder) part(f *field, p unsafe.Pointer, body []byte, i int) (int, error) {
	switch f.kind {
	case kindVarint:
		v, next, err := varint(body, i)
		if err == nil {
			setVarint(p, f.scalar, v)
		}
		return next, err
	case kindFixed64, kindFixed32:
		return d.field(f, p, body, i, wireOf(f.kind))
	}
	start, end, err := length(body, i)
	if err != nil {
		return 0, err
	}
	switch f.kind {
	case kindString:
		*(*string)(p) = d.keep(body[start:end])
	case kindBytes:
		*(*[]byte)(p) = append(make([]byte, 0, end-start), body[start:end]...)
	case kindMessage:
		err = d.value(f.elem, p, body[start:end])
	default:
		err = fmt.Errorf("proto: map of maps")
	}
	return end, err
}
