// Package mapdec converts objects decoded into maps — the
// map[string]any of an *unstructured.Unstructured, as kdyn's cache holds
// them — into Go API structs, giving what sigs.k8s.io/json's
// UnmarshalCaseSensitivePreserveInts gives for the JSON the map was decoded
// from: keys match json tag names (or field names) case-sensitively,
// unknown keys are dropped, json.Unmarshaler types decode themselves, null
// leaves a value as it is (nil for pointers, slices and maps), interface
// values get int64 for integers, and a value of the wrong JSON type is an
// error.
//
// A codec is compiled once per Go type from its reflect.Type: struct
// members become a map from JSON name to field offset, and values are
// written through unsafe pointers, so a conversion does no reflection on
// the hot path. metav1.Time, metav1.MicroTime, resource.Quantity and
// intstr.IntOrString, which every object holds, convert directly from the
// map's value; other json.Unmarshaler types get the value encoded as JSON,
// and whatever the codecs do not cover (arrays, non-empty interfaces, map
// keys that are not strings, encoding.TextUnmarshaler types, the ",string"
// tag option, fields promoted through embedded pointers) is encoded as JSON
// and handed to sigs.k8s.io/json itself.
//
// What a map no longer holds makes four differences from decoding the
// original JSON, none of which an API server's responses show:
//   - raw JSON values (runtime.RawExtension, metav1.FieldsV1, apiextensions'
//     JSON) hold the value encoded again by encoding/json, with its key
//     order and escaping: equal in meaning, not byte for byte;
//   - an integer beyond the int64 range is a float64 in the map, an error
//     for an integer field, where JSON would decode it into a uint64 (a
//     number with a fraction or exponent, "1.0", is an error in both);
//   - a string with escapes that a Quantity's UnmarshalJSON would read
//     without unescaping them ("1\u0030") is a valid quantity from the map;
//   - duplicate keys, which a map cannot hold, were resolved by the map's
//     decoder: the last wins, where encoding/json merges duplicate objects.
//
// Strings never share memory with the map's: the map's strings may be
// slices of the buffer it was decoded from. Short strings (up to 32 bytes:
// label keys and values, names, enum values, images of a few registries)
// are interned per Decoder, so equal strings of many objects share one
// copy; longer ones are copied.
package mapdec
