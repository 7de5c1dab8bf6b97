package jsondec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// maxDepth is encoding/json's nesting limit, which sigs.k8s.io/json keeps.
const maxDepth = 10000

// SyntaxError is malformed JSON, found at byte Offset of the input.
type SyntaxError struct {
	Msg    string
	Offset int64
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// Unmarshal decodes the JSON document data into v, a non-nil pointer, with
// the semantics of sigs.k8s.io/json's UnmarshalCaseSensitivePreserveInts.
// On error v may be partly filled. Strings in v do not share data's memory,
// so data may be reused once Unmarshal returns.
func Unmarshal(data []byte, v any) error {
	return unmarshal(data, v, false)
}

// UnmarshalOwned is Unmarshal with each decoded string an allocation of
// its own, as encoding/json makes them, rather than a slice of a chunk
// shared with its neighbours: for values kept long after decoding, such
// as an informer's objects, whose chunks would otherwise stay alive with
// the bytes of every string dropped since (managedFields, a Transform's
// cuts, strings replaced by interned ones).
func UnmarshalOwned(data []byte, v any) error {
	return unmarshal(data, v, true)
}

func unmarshal(data []byte, v any, own bool) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	c := codecFor(rv.Type().Elem())
	d := decoder{data: data, own: own, presizeLeft: budget(len(data)), countLeft: budget(len(data))}
	return d.document(c, rv.UnsafePointer())
}

// decoder is the state of one Unmarshal: the input, the read position, the
// chunk decoded strings are carved from, and what is left of the budgets
// of the work done ahead of decoding.
type decoder struct {
	data  []byte
	pos   int
	depth int
	own   bool     // each decoded string allocated on its own, not in arena
	arena []byte   // current string chunk: bytes up to len are taken
	buf   []byte   // scratch for unescaping
	path  []string // of a type error: the fields it is in, innermost first

	presizeLeft int // bytes presizing slices may still allocate
	countLeft   int // bytes countElems may still read
}

// budget is the bound of the work done for an input of n bytes ahead of
// decoding it, shared by all the lists in it: 8 bytes allocated ahead of
// the elements, or read to count them, per input byte. Budgets per list
// would allow that once per level of nested lists: reading to count each
// list's elements reads all the lists it holds again, and a count is of
// elements after the one that holds the next level, never decoded when
// that one is malformed. Real objects hold lists a few deep and never
// spend it all; past it, elements are added as they decode.
func budget(n int) int { return 8*n + 4096 }

func (d *decoder) document(c *codec, p unsafe.Pointer) error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if err := c.decode(d, c, p); err != nil {
		return d.withPath(err)
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.syntax("invalid character %q after top-level value", d.data[d.pos])
	}
	return nil
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) syntax(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Offset: int64(d.pos)}
}

func (d *decoder) eof() error {
	return &SyntaxError{Msg: "unexpected end of JSON input", Offset: int64(d.pos)}
}

// enter steps into an object or array.
func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntax("exceeded max depth")
	}
	d.pos++
	return nil
}

// open enters the object or array whose opening bracket is at d.pos and
// moves to its first member or element; empty reports one closed at once
// by closing, which it has moved past.
func (d *decoder) open(closing byte) (empty bool, err error) {
	if err := d.enter(); err != nil {
		return false, err
	}
	if err := d.value(); err != nil {
		return false, err
	}
	if d.data[d.pos] == closing {
		d.pos++
		d.depth--
		return true, nil
	}
	return false, nil
}

// value prepares for a value: whitespace skipped, input left.
func (d *decoder) value() error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return nil
}

// next moves past the separator after an element: more reports a ',' (and
// the whitespace after it is skipped), false the closing byte.
func (d *decoder) next(closing byte, what string) (more bool, err error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, d.eof()
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return true, nil
	case closing:
		d.pos++
		d.depth--
		return false, nil
	}
	return false, d.syntax("invalid character %q after %s", d.data[d.pos], what)
}

// literal consumes the literal lit at d.pos.
func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal, expected %s", lit)
	}
	d.pos += len(lit)
	return nil
}

// typeError reports a JSON value that t cannot hold. The value is checked
// for syntax first, so a malformed document is reported as such.
func (d *decoder) typeError(t reflect.Type) error {
	kind := "number"
	switch d.data[d.pos] {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	}
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	if kind == "number" {
		kind += " " + string(d.data[start:d.pos])
	}
	return &json.UnmarshalTypeError{Value: kind, Type: t, Offset: int64(start)}
}

// fieldError adds the struct field to a type error's context as
// encoding/json does: the innermost struct's name, and the field's name to
// the path, which document joins once the error is out of all the values,
// so that an error deep in nested structs costs no more than its length
// (prepending a name at each level cost a copy of the path each).
func (d *decoder) fieldError(err error, st reflect.Type, name string) error {
	te, ok := err.(*json.UnmarshalTypeError)
	if !ok {
		return err
	}
	if te.Struct == "" {
		te.Struct = st.Name()
	}
	d.path = append(d.path, name)
	return te
}

// withPath sets the field path of a type error from the names fieldError
// collected, innermost first, before any path within the value itself.
func (d *decoder) withPath(err error) error {
	te, ok := err.(*json.UnmarshalTypeError)
	if !ok || len(d.path) == 0 {
		return err
	}
	slices.Reverse(d.path)
	if te.Field != "" {
		d.path = append(d.path, te.Field)
	}
	te.Field = strings.Join(d.path, ".")
	return te
}
