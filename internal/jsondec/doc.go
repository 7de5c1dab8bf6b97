// Package jsondec decodes JSON straight into Go API structs in one pass,
// with the semantics of sigs.k8s.io/json's UnmarshalCaseSensitivePreserveInts,
// which apimachinery and client-go decode typed objects with: object keys
// match json tag names (or field names) case-sensitively, unknown keys are
// dropped, a duplicate key's last value wins, json.Unmarshaler types decode
// themselves, and interface values get int64 for integers.
//
// A codec is compiled once per Go type from its reflect.Type: struct fields
// become offsets, and each value is written through unsafe pointers, so
// decoding does no reflection on the hot path. Whatever the fast path does
// not cover (interface values, arrays, map keys that are not strings,
// encoding.TextUnmarshaler types, the ",string" tag option, promoted fields
// reached through embedded pointers) is handed, value by value, to
// sigs.k8s.io/json itself, so the result is always the one it gives.
//
// Decoded strings are copied into chunks of at most 32 KiB shared by the
// strings of neighbouring values, not into one allocation each: an object
// kept from a list pins its chunks, never the whole response.
// UnmarshalOwned gives each string an allocation of its own instead, for
// values kept long after decoding.
//
// Slices are allocated at their final length, counted ahead of decoding
// their elements; the counting reads, and the allocating takes, at most 8
// bytes per input byte for the whole input, so that lists nested in lists
// cost neither quadratic time nor memory out of proportion to the input.
// Values nest at most 10,000 deep, as with sigs.k8s.io/json.
package jsondec
