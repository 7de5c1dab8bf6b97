package unstructured

import "strconv"

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
