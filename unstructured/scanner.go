package unstructured

import (
	"fmt"
)

// maxDepth is the nesting limit of encoding/json (and of sigs.k8s.io/json,
// which apimachinery decodes with): 10,000 open objects and arrays.
const maxDepth = 10000

// SyntaxError describes malformed JSON and where it was found.
type SyntaxError struct {
	Msg    string // what is wrong
	Offset int    // byte offset in the input
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("unstructured: invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// scanner parses one JSON document in a single pass, building the values
// apimachinery's decoder builds: map[string]any, []any, string, int64,
// float64, bool and nil.
//
// Strings without escapes or invalid UTF-8 are substrings of src, one copy of
// the whole input, so a decoded object keeps that copy alive.
type scanner struct {
	data  []byte
	src   string
	pos   int
	depth int
	elems []any // stack of elements of the arrays being parsed

	// boxed caches short string values already stored in an interface, so
	// that the many repeated values of a list ("TCP", "Running", "True")
	// share one allocation. It is used only when box is set: for a small
	// document the cache costs more than it saves.
	boxed *[boxedSlots]boxedSlot
	box   bool
	// stream is set when the scanner decodes a sequence of documents: the
	// cache then keeps copies of its strings, so that it pins no document.
	stream bool

	// badItems records a top-level "items" member, even one a later
	// duplicate overrides, that is neither an array nor null: apimachinery
	// refuses such a document as a list.
	badItems bool

	// skipManagedFields leaves the managedFields member of metadata objects
	// out, scanned past but not built (Decoder.SkipManagedFields); metaNext
	// is set while the value of a "metadata" member is parsed.
	skipManagedFields, metaNext bool
}

// minBoxedDoc is the size from which a single document uses the cache of
// boxed values.
const minBoxedDoc = 64 << 10

func newScanner(data []byte) *scanner {
	return &scanner{data: data, src: string(data), box: len(data) >= minBoxedDoc}
}

// reset prepares the scanner for the next document of a stream, keeping its
// scratch space and its cache.
func (s *scanner) reset(data []byte) {
	s.data, s.src, s.pos, s.depth, s.badItems, s.metaNext = data, string(data), 0, 0, false, false
	s.box, s.stream = true, true
}

func (s *scanner) fail(msg string) error {
	return &SyntaxError{Msg: msg, Offset: s.pos}
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// document parses the whole input as one value followed only by whitespace.
func (s *scanner) document() (any, error) {
	v, err := s.value()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return nil, s.fail("invalid character after top-level value")
	}
	return v, nil
}

func (s *scanner) value() (any, error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return nil, s.fail("unexpected end of JSON input")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		return s.strValue()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	default:
		return nil, s.fail(fmt.Sprintf("invalid character %q looking for beginning of value", c))
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || s.src[s.pos:s.pos+len(lit)] != lit {
		return s.fail("invalid literal, expected " + lit)
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > maxDepth {
		return s.fail("exceeded max depth")
	}
	s.pos++
	return nil
}

func (s *scanner) object() (any, error) {
	isMeta := s.metaNext
	s.metaNext = false
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return map[string]any{}, nil
	}
	// Most objects have at most 8 members, which one map group holds: build
	// the map as members come rather than counting them first.
	m := make(map[string]any, 8)
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return nil, s.fail("expected string for object key")
		}
		key, err := s.str()
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return nil, s.fail("expected ':' after object key")
		}
		s.pos++
		if err := s.member(m, key, isMeta); err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.fail("unexpected end of JSON input")
		}
		c := s.data[s.pos]
		s.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			s.pos--
			return nil, s.fail("expected ',' or '}' after object value")
		}
	}
	s.depth--
	return m, nil
}

// member parses the value of key into m, or past it for a managedFields
// member of metadata that is skipped.
func (s *scanner) member(m map[string]any, key string, inMetadata bool) error {
	if inMetadata && s.skipManagedFields && key == "managedFields" {
		return s.skipValue()
	}
	s.metaNext = s.skipManagedFields && key == "metadata"
	val, err := s.value()
	s.metaNext = false
	if err != nil {
		return err
	}
	if s.depth == 1 && key == "items" {
		switch val.(type) {
		case []any, nil:
		default:
			s.badItems = true
		}
	}
	m[key] = val // a duplicate key keeps its last value, as encoding/json does
	return nil
}

func (s *scanner) array() (any, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	base := len(s.elems)
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return []any{}, nil
	}
	for {
		val, err := s.value()
		if err != nil {
			return nil, err
		}
		s.elems = append(s.elems, val)
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.fail("unexpected end of JSON input")
		}
		c := s.data[s.pos]
		s.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			s.pos--
			return nil, s.fail("expected ',' or ']' after array element")
		}
	}
	es := s.elems[base:]
	out := make([]any, len(es))
	copy(out, es)
	clear(es)
	s.elems = s.elems[:base]
	s.depth--
	return out, nil
}
