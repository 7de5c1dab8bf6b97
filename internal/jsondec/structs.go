package jsondec

import "unsafe"

// fieldTable finds a struct's members by JSON key.
type fieldTable struct {
	names  []string
	offs   []uintptr
	codecs []*codec
	byName map[string]int // for structs with many members; nil otherwise
}

// lookAhead is how many members after the last one found are tried before
// the map: servers write members in field order, skipping empty ones.
const lookAhead = 6

func (t *fieldTable) add(name string, off uintptr, c *codec) {
	t.names = append(t.names, name)
	t.offs = append(t.offs, off)
	t.codecs = append(t.codecs, c)
}

// index builds the map once all members are added.
func (t *fieldTable) index() {
	if len(t.names) <= lookAhead {
		return
	}
	t.byName = make(map[string]int, len(t.names))
	for i, n := range t.names {
		t.byName[n] = i
	}
}

// find returns the member named key, trying from hint on first; -1 if none.
func (t *fieldTable) find(key []byte, hint int) int {
	for i := hint; i < len(t.names) && i < hint+lookAhead; i++ {
		if t.names[i] == string(key) {
			return i
		}
	}
	if t.byName != nil {
		if i, ok := t.byName[string(key)]; ok {
			return i
		}
		return -1
	}
	for i := range hint {
		if t.names[i] == string(key) {
			return i
		}
	}
	return -1
}

// decodeStruct decodes a JSON object into a struct: known members into
// their fields, unknown ones checked and dropped, null left as is.
func decodeStruct(d *decoder, c *codec, p unsafe.Pointer) error {
	switch d.data[d.pos] {
	case '{':
	case 'n':
		return d.literal("null")
	default:
		return d.typeError(c.typ)
	}
	if empty, err := d.open('}'); err != nil || empty {
		return err
	}
	t := c.fields
	hint := 0
	for {
		if d.data[d.pos] != '"' {
			return d.syntax("invalid character %q looking for beginning of object key string", d.data[d.pos])
		}
		key, err := d.key()
		if err != nil {
			return err
		}
		i := t.find(key, hint)
		if err := d.afterKey(); err != nil {
			return err
		}
		if i < 0 {
			err = d.skip()
		} else {
			fc := t.codecs[i]
			if err = fc.decode(d, fc, unsafe.Add(p, t.offs[i])); err != nil {
				err = d.fieldError(err, c.typ, t.names[i])
			}
			hint = i + 1
		}
		if err != nil {
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
