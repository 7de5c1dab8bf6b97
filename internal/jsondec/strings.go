package jsondec

import (
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// chunkSize bounds the chunks strings are copied into: an object kept from
// a large list pins a chunk or two, not the list.
const chunkSize = 32 << 10

// plain marks the bytes a string can hold as they are: not a quote, a
// backslash, a control character or the start of a multi-byte rune.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// rawString scans the string at d.pos (its opening quote) and returns its
// contents as in the input. clean reports that they need no decoding: no
// escapes and valid UTF-8.
func (d *decoder) rawString() (raw []byte, clean bool, err error) {
	start := d.pos + 1
	i := start
	data := d.data
	for i < len(data) && plain[data[i]] {
		i++
	}
	if i < len(data) && data[i] == '"' {
		d.pos = i + 1
		return data[start:i], true, nil
	}
	clean = true
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			raw = data[start:i]
			if clean && !utf8.Valid(raw) {
				clean = false
			}
			return raw, clean, nil
		case c == '\\':
			clean = false
			d.pos = i
			n, err := d.escapeLen()
			if err != nil {
				return nil, false, err
			}
			i += n
			continue
		case c < 0x20:
			d.pos = i
			return nil, false, d.syntax("invalid character %q in string literal", c)
		}
		i++
	}
	d.pos = len(data)
	return nil, false, d.eof()
}

// escapeLen checks the escape sequence at d.pos and returns its length.
func (d *decoder) escapeLen() (int, error) {
	if d.pos+1 >= len(d.data) {
		return 0, d.eof()
	}
	switch c := d.data[d.pos+1]; c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if hex4(d.data[d.pos+2:]) < 0 {
			if len(d.data) < d.pos+6 {
				return 0, d.eof()
			}
			return 0, d.syntax("invalid character in \\u hexadecimal character escape")
		}
		return 6, nil
	default:
		return 0, d.syntax("invalid character %q in string escape code", c)
	}
}

// hex4 reads four hex digits, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
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

// str decodes the string at d.pos into a string of its own.
func (d *decoder) str() (string, error) {
	raw, clean, err := d.rawString()
	if err != nil || len(raw) == 0 {
		return "", err
	}
	if !clean {
		raw = d.unquote(raw)
	}
	return d.keep(raw), nil
}

// key decodes the object key at d.pos. The result is valid until the next
// key or string is decoded; it is for lookups, not to keep.
func (d *decoder) key() ([]byte, error) {
	raw, clean, err := d.rawString()
	if err != nil || clean {
		return raw, err
	}
	return d.unquote(raw), nil
}

// keep copies b into the current chunk, or into an allocation of its own
// (UnmarshalOwned), and returns it as a string.
func (d *decoder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.own {
		return string(b)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		// What is left of the input bounds the strings still to come.
		size := min(chunkSize, len(d.data)-d.pos+len(b))
		d.arena = make([]byte, 0, max(size, len(b)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b))
}

// unquote decodes the escapes of raw, already checked, into d.buf and
// replaces invalid UTF-8 with U+FFFD, as encoding/json does.
func (d *decoder) unquote(raw []byte) []byte {
	buf := d.buf[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			var n int
			buf, n = appendEscape(buf, raw[i:])
			i += n
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			buf = utf8.AppendRune(buf, r) // RuneError for an invalid byte
			i += size
		}
	}
	d.buf = buf
	return buf
}

// appendEscape appends the character the escape at the start of raw stands
// for and returns how many bytes it took. A \u escape of half a surrogate
// pair that is not followed by its other half becomes U+FFFD.
func appendEscape(buf, raw []byte) ([]byte, int) {
	switch raw[1] {
	case 'b':
		return append(buf, '\b'), 2
	case 'f':
		return append(buf, '\f'), 2
	case 'n':
		return append(buf, '\n'), 2
	case 'r':
		return append(buf, '\r'), 2
	case 't':
		return append(buf, '\t'), 2
	case 'u':
		r := hex4(raw[2:])
		if utf16.IsSurrogate(r) {
			if len(raw) >= 12 && raw[6] == '\\' && raw[7] == 'u' {
				if dec := utf16.DecodeRune(r, hex4(raw[8:])); dec != utf8.RuneError {
					return utf8.AppendRune(buf, dec), 12
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(buf, r), 6
	default: // '"', '\\', '/'
		return append(buf, raw[1]), 2
	}
}
