package jsondec

import (
	"reflect"
	"strings"
	"time"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// knownDecoder is a faster path for one json.Unmarshaler type that gives
// what its UnmarshalJSON gives. done is false when it leaves the value to
// UnmarshalJSON after all, with d.pos unchanged.
type knownDecoder func(d *decoder, p unsafe.Pointer) (done bool, err error)

// knownFor returns the fast path for t, or nil. Every object has a few
// timestamps and every container a few quantities; their UnmarshalJSON
// methods decode the JSON string with encoding/json first.
func knownFor(t reflect.Type) knownDecoder {
	switch t {
	case reflect.TypeFor[metav1.Time]():
		return decodeTime
	case reflect.TypeFor[resource.Quantity]():
		return decodeQuantity
	}
	return nil
}

// cleanString returns the contents of the string at d.pos if they need no
// decoding, moving past it; ok is false, d.pos unchanged, otherwise.
func (d *decoder) cleanString() (raw []byte, ok bool) {
	if d.data[d.pos] != '"' {
		return nil, false
	}
	start := d.pos
	raw, clean, err := d.rawString()
	if err != nil || !clean {
		d.pos = start
		return nil, false
	}
	return raw, true
}

// decodeTime is metav1.Time's UnmarshalJSON for a plain string: RFC 3339,
// in the local time zone. A string it cannot parse goes to UnmarshalJSON
// for its error.
func decodeTime(d *decoder, p unsafe.Pointer) (bool, error) {
	start := d.pos
	raw, ok := d.cleanString()
	if !ok {
		return false, nil
	}
	pt, err := time.Parse(time.RFC3339, unsafe.String(unsafe.SliceData(raw), len(raw)))
	if err != nil {
		d.pos = start
		return false, nil
	}
	(*metav1.Time)(p).Time = pt.Local()
	return true, nil
}

// decodeQuantity is resource.Quantity's UnmarshalJSON for a plain string.
// A Quantity keeps the string it was parsed from, so it gets a kept copy.
func decodeQuantity(d *decoder, p unsafe.Pointer) (bool, error) {
	start := d.pos
	raw, ok := d.cleanString()
	if !ok {
		return false, nil
	}
	q, err := resource.ParseQuantity(strings.TrimSpace(d.keep(raw)))
	if err != nil {
		d.pos = start
		return false, nil
	}
	*(*resource.Quantity)(p) = q
	return true, nil
}
