package unstructured

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SkipManagedFields makes d leave metadata.managedFields out of the objects
// it decodes (a list's items and a watch event's object included): the
// member is scanned past, not built, which saves most of what decoding an
// object allocates, managedFields being often its largest part. A
// malformed managedFields is still an error. The default, false, decodes
// everything, as apimachinery's decoder does.
func (d *Decoder) SkipManagedFields(skip bool) { d.s.skipManagedFields = skip }

// DecodeList decodes a JSON list as the package-level DecodeList does, with
// d's settings. The list's strings share one copy of data.
func (d *Decoder) DecodeList(data []byte) (*unstructured.UnstructuredList, error) {
	s := newScanner(data)
	s.skipManagedFields = d.s.skipManagedFields
	top, err := s.document()
	if err != nil {
		return nil, err
	}
	m, ok := top.(map[string]any)
	if !ok && top != nil {
		return nil, fmt.Errorf("unstructured: cannot decode JSON %s into an object", kindOf(top))
	}
	l := &unstructured.UnstructuredList{}
	if m == nil {
		l.Items = []unstructured.Unstructured{}
	} else if _, err := toList(s, m, l); err != nil {
		return nil, err
	}
	if _, err := withKind(l, data); err != nil {
		return nil, err
	}
	return l, nil
}

// skipValue moves past one JSON value without building it, checking its
// strings, nesting and separators as it goes.
func (s *scanner) skipValue() error {
	s.skipSpace()
	if s.pos < len(s.data) && (s.data[s.pos] == '{' || s.data[s.pos] == '[') {
		return s.skipNested()
	}
	return s.skipScalar()
}

func (s *scanner) skipScalar() error {
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of JSON input")
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		_, err := s.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.number()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.fail(fmt.Sprintf("invalid character %q looking for beginning of value", s.data[s.pos]))
}

// skipNested moves past the object or array at pos, without recursion:
// closers holds the closing bracket of each level still open.
func (s *scanner) skipNested() error {
	var closers []byte
	for {
		// A value starts here.
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.fail("unexpected end of JSON input")
		}
		if c := s.data[s.pos]; c == '{' || c == '[' {
			if s.depth+len(closers) >= maxDepth {
				return s.fail("exceeded max depth")
			}
			closers = append(closers, c+2) // '}' and ']' are '{' and '[' plus 2
			s.pos++
			s.skipSpace()
			if s.pos < len(s.data) && s.data[s.pos] == c+2 {
				s.pos++
				closers = closers[:len(closers)-1]
			} else {
				if c == '{' {
					if err := s.skipKey(); err != nil {
						return err
					}
				}
				continue
			}
		} else if err := s.skipScalar(); err != nil {
			return err
		}
		// A value ended: a separator and the next value, or closing brackets.
		var err error
		if closers, err = s.afterValue(closers); err != nil || len(closers) == 0 {
			return err
		}
	}
}

// afterValue reads what follows a value inside the open levels: brackets
// that close them, then a separator (with the next key in an object). It
// returns the levels still open; none means the skipped value ended.
func (s *scanner) afterValue(closers []byte) ([]byte, error) {
	for len(closers) > 0 {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.fail("unexpected end of JSON input")
		}
		c := s.data[s.pos]
		s.pos++
		switch {
		case c == closers[len(closers)-1]:
			closers = closers[:len(closers)-1]
		case c == ',':
			if closers[len(closers)-1] == '}' {
				return closers, s.skipKey()
			}
			return closers, nil
		default:
			s.pos--
			return nil, s.fail("expected ',' or a closing bracket after a value")
		}
	}
	return closers, nil
}

// skipKey moves past an object key and its colon.
func (s *scanner) skipKey() error {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return s.fail("expected string for object key")
	}
	if _, err := s.str(); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return s.fail("expected ':' after object key")
	}
	s.pos++
	return nil
}
