package jsondec

import (
	"encoding/json"
	"reflect"
	"unsafe"

	kjson "sigs.k8s.io/json"
)

// decodeUnmarshaler hands the value's bytes to the type's UnmarshalJSON,
// null included, as encoding/json does for a value that is not a pointer.
func decodeUnmarshaler(d *decoder, c *codec, p unsafe.Pointer) error {
	if c.known != nil {
		if done, err := c.known(d, p); done {
			return err
		}
	}
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	u := reflect.NewAt(c.typ, p).Interface().(json.Unmarshaler)
	return u.UnmarshalJSON(d.data[start:d.pos])
}

// decodeFallback decodes the value with sigs.k8s.io/json itself, for what
// the codecs do not cover.
func decodeFallback(d *decoder, c *codec, p unsafe.Pointer) error {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(d.data[start:d.pos], reflect.NewAt(c.typ, p).Interface())
}
