package unstructured

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Shape of the boxed-value cache: short strings only (longer ones are
// names, UIDs and timestamps, rarely repeated), in a direct-mapped table
// where a new string replaces the one in its slot.
const (
	maxBoxedLen = 16
	boxedSlots  = 1024
)

// boxedSlot is one entry of the cache.
type boxedSlot struct {
	s string
	v any // s, boxed
}

// strValue parses a string value, reusing the boxed copy of a short string
// seen recently.
func (s *scanner) strValue() (any, error) {
	str, err := s.str()
	if err != nil || !s.box || len(str) > maxBoxedLen || len(str) == 0 {
		return str, err
	}
	if s.boxed == nil {
		s.boxed = new([boxedSlots]boxedSlot)
	}
	slot := &s.boxed[slotOf(str)]
	if slot.v != nil && slot.s == str {
		return slot.v, nil
	}
	if s.stream {
		str = strings.Clone(str) // the cache outlives the document
	}
	slot.s, slot.v = str, str
	return slot.v, nil
}

// slotOf hashes a short string (FNV-1a) to a slot of the cache.
func slotOf(str string) int {
	h := uint32(2166136261)
	for i := 0; i < len(str); i++ {
		h = (h ^ uint32(str[i])) * 16777619
	}
	return int(h % boxedSlots)
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
