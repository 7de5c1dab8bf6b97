package unstructured

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
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

// member is one key/value pair of an object under construction.
type member struct {
	key string
	val any
}

// scanner parses one JSON document in a single pass, building the values
// apimachinery's decoder builds: map[string]any, []any, string, int64,
// float64, bool and nil.
//
// Strings without escapes or invalid UTF-8 are substrings of src, one copy of
// the whole input, so a decoded object keeps that copy alive.
type scanner struct {
	data    []byte
	src     string
	pos     int
	depth   int
	members []member // stack of members of the objects being parsed
	elems   []any    // stack of elements of the arrays being parsed

	// boxed caches short string values already stored in an interface, so
	// that the many repeated values of a list ("TCP", "Running", "True")
	// share one allocation.
	boxed map[string]any

	// badItems records a top-level "items" member, even one a later
	// duplicate overrides, that is neither an array nor null: apimachinery
	// refuses such a document as a list.
	badItems bool
}

func newScanner(data []byte) *scanner {
	return &scanner{data: data, src: string(data)}
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
	if err := s.enter(); err != nil {
		return nil, err
	}
	base := len(s.members)
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return map[string]any{}, nil
	}
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
		val, err := s.value()
		if err != nil {
			return nil, err
		}
		if s.depth == 1 && key == "items" {
			switch val.(type) {
			case []any, nil:
			default:
				s.badItems = true
			}
		}
		s.members = append(s.members, member{key: key, val: val})
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
	ms := s.members[base:]
	m := make(map[string]any, len(ms))
	for _, kv := range ms {
		m[kv.key] = kv.val // a duplicate key keeps its last value, as encoding/json does
	}
	clear(ms)
	s.members = s.members[:base]
	s.depth--
	return m, nil
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

// Limits of the boxed-value cache: longer strings are names, UIDs and
// timestamps, rarely repeated.
const (
	maxBoxedLen   = 16
	maxBoxedCount = 4096
)

// strValue parses a string value, reusing the boxed copy of a short string
// seen before.
func (s *scanner) strValue() (any, error) {
	str, err := s.str()
	if err != nil || len(str) > maxBoxedLen {
		return str, err
	}
	if v, ok := s.boxed[str]; ok {
		return v, nil
	}
	var v any = str
	if len(s.boxed) < maxBoxedCount {
		if s.boxed == nil {
			s.boxed = make(map[string]any, 64)
		}
		s.boxed[str] = v
	}
	return v, nil
}

// str parses a string starting at its opening quote. The common case, no
// escapes and valid UTF-8, costs no allocation.
func (s *scanner) str() (string, error) {
	s.pos++
	start := s.pos
	ascii := true
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			out := s.src[start:s.pos]
			s.pos++
			if !ascii && !utf8.ValidString(out) {
				return coerceUTF8(out), nil
			}
			return out, nil
		case c == '\\':
			return s.escaped(start)
		case c < ' ':
			return "", s.fail("invalid control character in string literal")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.pos++
	}
	return "", s.fail("unexpected end of JSON input")
}

// escaped finishes a string holding escapes; s.pos is at the first backslash.
func (s *scanner) escaped(start int) (string, error) {
	buf := make([]byte, 0, s.pos-start+16)
	buf = appendCoerced(buf, s.data[start:s.pos])
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return string(buf), nil
		case c < ' ':
			return "", s.fail("invalid control character in string literal")
		case c == '\\':
			var err error
			if buf, err = s.escape(buf); err != nil {
				return "", err
			}
			continue
		}
		end := s.pos
		for end < len(s.data) && s.data[end] != '"' && s.data[end] != '\\' && s.data[end] >= ' ' {
			end++
		}
		buf = appendCoerced(buf, s.data[s.pos:end])
		s.pos = end
	}
	return "", s.fail("unexpected end of JSON input")
}

// escape decodes one escape sequence at s.pos into buf.
func (s *scanner) escape(buf []byte) ([]byte, error) {
	if s.pos+1 >= len(s.data) {
		return buf, s.fail("unexpected end of JSON input")
	}
	c := s.data[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(buf, c), nil
	case 'b':
		return append(buf, '\b'), nil
	case 'f':
		return append(buf, '\f'), nil
	case 'n':
		return append(buf, '\n'), nil
	case 'r':
		return append(buf, '\r'), nil
	case 't':
		return append(buf, '\t'), nil
	case 'u':
		r := s.hex4(s.pos)
		if r < 0 {
			return buf, s.fail("invalid \\u escape")
		}
		s.pos += 4
		if utf16.IsSurrogate(r) {
			// A valid pair is consumed whole; anything else becomes U+FFFD and
			// the following escape, if any, is decoded on its own.
			if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
				if r2 := s.hex4(s.pos + 2); r2 >= 0 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						s.pos += 6
						return utf8.AppendRune(buf, dec), nil
					}
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(buf, r), nil
	default:
		s.pos -= 2
		return buf, s.fail(fmt.Sprintf("invalid escape character %q in string", c))
	}
}

// hex4 reads four hex digits at i, or returns -1.
func (s *scanner) hex4(i int) rune {
	if i+4 > len(s.data) {
		return -1
	}
	var r rune
	for _, c := range s.data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendCoerced appends b, replacing each byte of invalid UTF-8 with U+FFFD
// as encoding/json does.
func appendCoerced(buf, b []byte) []byte {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			buf = append(buf, b[0])
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		buf = utf8.AppendRune(buf, r)
		b = b[size:]
	}
	return buf
}

func coerceUTF8(s string) string {
	return string(appendCoerced(make([]byte, 0, len(s)+8), []byte(s)))
}

// number parses a JSON number: int64 when it has no '.' and fits, otherwise
// float64, and an error when float64 overflows — apimachinery's rules.
func (s *scanner) number() (any, error) {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return nil, s.fail("unexpected end of JSON input")
	}
	switch c := s.data[s.pos]; {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return nil, s.fail("invalid character in numeric literal")
	}
	intEnd := s.pos
	dot := false
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		dot = true
		s.pos++
		if s.digits() == 0 {
			return nil, s.fail("expected digit after decimal point")
		}
	}
	exp := false
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		exp = true
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return nil, s.fail("expected digit in exponent")
		}
	}
	if !dot && !exp && intEnd-start <= 18 {
		return s.smallInt(start, intEnd), nil
	}
	lit := s.src[start:s.pos]
	if !dot {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return nil, &SyntaxError{Msg: "number " + lit + " does not fit a float64", Offset: start}
	}
	return f, nil
}

// smallInt converts at most 18 characters of optional sign and digits, which
// always fit an int64.
func (s *scanner) smallInt(start, end int) int64 {
	neg := s.data[start] == '-'
	if neg {
		start++
	}
	var n int64
	for _, c := range s.data[start:end] {
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}
