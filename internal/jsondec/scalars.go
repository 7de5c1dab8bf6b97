package jsondec

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unsafe"
)

// Scalars take the JSON value of their kind; null leaves them as they are,
// any other value is a type error, as with encoding/json.

func decodeBool(d *decoder, c *codec, p unsafe.Pointer) error {
	switch d.data[d.pos] {
	case 't':
		*(*bool)(p) = true
		return d.literal("true")
	case 'f':
		*(*bool)(p) = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.typeError(c.typ)
}

func decodeString(d *decoder, c *codec, p unsafe.Pointer) error {
	switch d.data[d.pos] {
	case '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		*(*string)(p) = s
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.typeError(c.typ)
}

// numberFor reads a number for a field of type t: ok is false for null,
// which leaves the field alone.
func (d *decoder) numberFor(t reflect.Type) (lit []byte, integer, ok bool, err error) {
	switch b := d.data[d.pos]; {
	case b == '-' || (b >= '0' && b <= '9'):
		lit, integer, err = d.number()
		return lit, integer, err == nil, err
	case b == 'n':
		return nil, false, false, d.literal("null")
	}
	return nil, false, false, d.typeError(t)
}

func numberError(lit []byte, t reflect.Type, d *decoder) error {
	return &json.UnmarshalTypeError{Value: "number " + string(lit), Type: t, Offset: int64(d.pos)}
}

func decodeInt(d *decoder, c *codec, p unsafe.Pointer) error {
	lit, integer, ok, err := d.numberFor(c.typ)
	if !ok {
		return err
	}
	n, ok := parseInt(lit)
	bits := 8 * c.size
	if !integer || !ok || (bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1)) {
		return numberError(lit, c.typ, d)
	}
	switch c.size {
	case 1:
		*(*int8)(p) = int8(n)
	case 2:
		*(*int16)(p) = int16(n)
	case 4:
		*(*int32)(p) = int32(n)
	default:
		*(*int64)(p) = n
	}
	return nil
}

// parseInt parses an integer literal already checked for syntax; ok is
// false when it does not fit an int64.
func parseInt(lit []byte) (int64, bool) {
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) > 18 {
		n, err := strconv.ParseInt(unsafe.String(&lit[0], len(lit)), 10, 64)
		return n, err == nil
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func decodeUint(d *decoder, c *codec, p unsafe.Pointer) error {
	lit, integer, ok, err := d.numberFor(c.typ)
	if !ok {
		return err
	}
	if !integer {
		return numberError(lit, c.typ, d)
	}
	n, err := strconv.ParseUint(unsafe.String(&lit[0], len(lit)), 10, 64)
	if bits := 8 * c.size; err != nil || (bits < 64 && n > 1<<bits-1) {
		return numberError(lit, c.typ, d)
	}
	switch c.size {
	case 1:
		*(*uint8)(p) = uint8(n)
	case 2:
		*(*uint16)(p) = uint16(n)
	case 4:
		*(*uint32)(p) = uint32(n)
	default:
		*(*uint64)(p) = n
	}
	return nil
}

func decodeFloat(d *decoder, c *codec, p unsafe.Pointer) error {
	lit, _, ok, err := d.numberFor(c.typ)
	if !ok {
		return err
	}
	bits := int(8 * c.size)
	f, err := strconv.ParseFloat(unsafe.String(&lit[0], len(lit)), bits)
	if err != nil || (bits == 32 && math.Abs(f) > math.MaxFloat32) {
		return numberError(lit, c.typ, d)
	}
	if bits == 32 {
		*(*float32)(p) = float32(f)
	} else {
		*(*float64)(p) = f
	}
	return nil
}
