package jsondec

// skip checks the syntax of the value at d.pos and moves past it, as
// encoding/json checks a whole document before decoding any of it.
func (d *decoder) skip() error {
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.skipObject()
	case c == '[':
		return d.skipArray()
	case c == '"':
		_, _, err := d.rawString()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, err := d.number()
		return err
	default:
		return d.syntax("invalid character %q looking for beginning of value", c)
	}
}

func (d *decoder) skipObject() error {
	if empty, err := d.open('}'); err != nil || empty {
		return err
	}
	for {
		if err := d.colon(); err != nil {
			return err
		}
		if err := d.skip(); err != nil {
			return err
		}
		more, err := d.next('}', "object key:value pair")
		if !more || err != nil {
			return err
		}
		if err := d.value(); err != nil {
			return err
		}
	}
}

// colon reads an object key and the ':' after it, and the whitespace up to
// the value.
func (d *decoder) colon() error {
	if d.data[d.pos] != '"' {
		return d.syntax("invalid character %q looking for beginning of object key string", d.data[d.pos])
	}
	if _, _, err := d.rawString(); err != nil {
		return err
	}
	return d.afterKey()
}

// afterKey reads the ':' after a key and the whitespace up to the value.
func (d *decoder) afterKey() error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if d.data[d.pos] != ':' {
		return d.syntax("invalid character %q after object key", d.data[d.pos])
	}
	d.pos++
	return d.value()
}

func (d *decoder) skipArray() error {
	if empty, err := d.open(']'); err != nil || empty {
		return err
	}
	for {
		if err := d.skip(); err != nil {
			return err
		}
		more, err := d.next(']', "array element")
		if !more || err != nil {
			return err
		}
		if err := d.value(); err != nil {
			return err
		}
	}
}

// number checks the number at d.pos and moves past it. integer reports a
// number with neither fraction nor exponent.
func (d *decoder) number() (lit []byte, integer bool, err error) {
	data, start := d.data, d.pos
	i := start
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		d.pos = i
		return nil, false, d.eof()
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i = digits(data, i)
	default:
		d.pos = i
		return nil, false, d.syntax("invalid character %q in numeric literal", data[i])
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		integer = false
		if j := digits(data, i+1); j > i+1 {
			i = j
		} else {
			d.pos = i + 1
			return nil, false, d.digitError()
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		integer = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if j := digits(data, i); j > i {
			i = j
		} else {
			d.pos = i
			return nil, false, d.digitError()
		}
	}
	d.pos = i
	return data[start:i], integer, nil
}

func (d *decoder) digitError() error {
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return d.syntax("invalid character %q in numeric literal", d.data[d.pos])
}

func digits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// countElems counts the elements of the array at d.pos without checking
// its syntax, so that a slice is allocated once at its final size. Decoding
// checks the syntax after; on malformed input the count is only a guess.
// It reads within what is left of d.countLeft, and returns the elements
// counted so far when that runs out.
func (d *decoder) countElems() int {
	data := d.data
	end := min(len(data), d.pos+1+d.countLeft)
	i := d.pos + 1
	defer func() { d.countLeft -= i - d.pos }()
	for i < end && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	if i >= end || data[i] == ']' {
		return 0
	}
	n, depth := 1, 0
	for ; i < end; i++ {
		switch structural[data[i]] {
		case 0:
		case '"':
			// Inside a string only a quote or a backslash matters.
			for i++; i < end && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[':
			depth++
		case ']':
			if depth == 0 {
				return n
			}
			depth--
		case ',':
			if depth == 0 {
				n++
			}
		}
	}
	return n
}

// structural classes the bytes countElems looks at: '[' for both openers,
// ']' for both closers.
var structural = [256]byte{'"': '"', '[': '[', '{': '[', ']': ']', '}': ']', ',': ','}
