package protodec

import (
	"bytes"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
)

// tag returns the tag of field num with wire type typ.
func tag(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func uvarint(v uint64) []byte { return protowire.AppendVarint(nil, v) }

// TestHostileWire decodes malformed and unusual encodings as a ConfigMap
// (maps of strings and bytes, a *bool) and as a ContainerPort (int32s)
// with Unmarshal and with the generated code: both must fail, or both
// decode the same values.
func TestHostileWire(t *testing.T) {
	entry := func(parts ...[]byte) []byte { return appendField(nil, 2, cat(parts...)) }
	key := func(s string) []byte { return appendField(nil, 1, []byte(s)) }
	val := func(s string) []byte { return appendField(nil, 2, []byte(s)) }
	configMaps := map[string][]byte{
		"huge length":               cat(tag(1, protowire.BytesType), uvarint(1<<62)),
		"length past the end":       cat(tag(1, protowire.BytesType), uvarint(5), []byte("ab")),
		"negative length":           cat(tag(1, protowire.BytesType), uvarint(1<<63)),
		"length wrapping around":    cat(tag(2, protowire.BytesType), uvarint(math.MaxUint64-1), []byte("abc")),
		"varint of 11 bytes":        cat(tag(4, protowire.VarintType), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		"varint cut short":          cat(tag(4, protowire.VarintType), []byte{0xff}),
		"bool of 2":                 cat(tag(4, protowire.VarintType), uvarint(2)),
		"bool of 1<<63":             cat(tag(4, protowire.VarintType), uvarint(1<<63)),
		"tag cut short":             {0x80},
		"field number 0":            cat(tag(0, protowire.VarintType), uvarint(1)),
		"field number past int32":   cat(uvarint(uint64(1)<<35|uint64(4)<<3|uint64(protowire.VarintType)), uvarint(1)),
		"illegal wire type 6":       {byte(9<<3 | 6), 0},
		"illegal wire type 7":       {byte(9<<3 | 7), 0},
		"wrong wire type of known":  cat(tag(4, protowire.Fixed32Type), []byte{1, 0, 0, 0}),
		"group for a known field":   cat(tag(4, protowire.StartGroupType), tag(4, protowire.EndGroupType)),
		"end group at top":          tag(9, protowire.EndGroupType),
		"unknown varint":            cat(tag(9, protowire.VarintType), uvarint(300), val("x")),
		"unknown fixed64":           cat(tag(9, protowire.Fixed64Type), []byte{1, 2, 3, 4, 5, 6, 7, 8}),
		"unknown fixed64 cut short": cat(tag(9, protowire.Fixed64Type), []byte{1, 2, 3}),
		"unknown fixed32":           cat(tag(9, protowire.Fixed32Type), []byte{1, 2, 3, 4}),
		"unknown bytes":             cat(tag(9, protowire.BytesType), uvarint(2), []byte("ab")),
		"unknown group":             cat(tag(9, protowire.StartGroupType), tag(1, protowire.VarintType), uvarint(1), tag(9, protowire.EndGroupType)),
		"nested groups":             cat(tag(9, protowire.StartGroupType), tag(8, protowire.StartGroupType), tag(8, protowire.EndGroupType), tag(9, protowire.EndGroupType)),
		"groups nested deep":        cat(bytes.Repeat(tag(9, protowire.StartGroupType), 100_000), bytes.Repeat(tag(9, protowire.EndGroupType), 100_000)),
		"unterminated group":        cat(tag(9, protowire.StartGroupType), tag(1, protowire.VarintType), uvarint(1)),
		"invalid UTF-8":             entry(key("k\xff"), val("\xc3\x28")),
		"duplicate keys":            cat(entry(key("k"), val("1")), entry(key("k"), val("2"))),
		"value before key":          entry(val("v"), key("k")),
		"entry without key":         entry(val("v")),
		"entry without value":       entry(key("k")),
		"empty entry":               entry(),
		"entry with unknown field":  entry(key("k"), tag(7, protowire.VarintType), uvarint(1), val("v")),
		"entry with a group":        entry(key("k"), tag(7, protowire.StartGroupType), tag(7, protowire.EndGroupType), val("v")),
		"key twice":                 entry(key("a"), key("b"), val("v")),
		"key of another wire type":  entry(tag(1, protowire.VarintType), uvarint(3), []byte("abc"), val("v")),
		// The generated code reads a key or value to the end of the
		// message, not of the entry: here the key takes the next field.
		"key past the entry":           cat(tag(2, protowire.BytesType), uvarint(2), tag(1, protowire.BytesType), uvarint(4), val("v")),
		"unknown past the entry":       cat(tag(2, protowire.BytesType), uvarint(2), tag(7, protowire.BytesType), uvarint(4), val("v")),
		"bytes values":                 cat(appendField(nil, 3, cat(key("b"), val("\x00\x01"))), appendField(nil, 3, key("e"))),
		"metadata twice merges":        cat(appendField(nil, 1, key("a")), appendField(nil, 1, appendField(nil, 2, []byte("g")))),
		"labels in metadata":           appendField(nil, 1, appendField(nil, 11, cat(key("app"), val("web")))),
		"many entries":                 bytes.Repeat(entry(key("k"), val("v")), 10_000),
		"many empty metadata":          bytes.Repeat(appendField(nil, 1, nil), 10_000),
		"immutable twice, second wins": cat(tag(4, protowire.VarintType), uvarint(1), tag(4, protowire.VarintType), uvarint(0)),
	}
	for name, data := range configMaps {
		t.Run(name, func(t *testing.T) { same[corev1.ConfigMap](t, data) })
	}
	ports := map[string][]byte{
		"int32 from 10 bytes":    cat(tag(3, protowire.VarintType), uvarint(math.MaxUint64)),
		"int32 overflow":         cat(tag(3, protowire.VarintType), uvarint(1<<40|8080)),
		"int32 at 1<<31":         cat(tag(2, protowire.VarintType), uvarint(1<<31)),
		"int32 negative":         cat(tag(2, protowire.VarintType), uvarint(uint64(math.MaxUint64-7))),
		"string of another type": cat(tag(1, protowire.VarintType), uvarint(1)),
	}
	for name, data := range ports {
		t.Run(name, func(t *testing.T) { same[corev1.ContainerPort](t, data) })
	}
	lists := map[string][]byte{
		"packed int64s":          appendField(nil, 4, cat(uvarint(1), uvarint(math.MaxUint64), uvarint(3))),
		"packed cut short":       appendField(nil, 4, cat(uvarint(1), []byte{0x80})),
		"packed and not":         cat(appendField(nil, 4, uvarint(1)), tag(4, protowire.VarintType), uvarint(2)),
		"empty packed":           appendField(nil, 4, nil),
		"packed past its length": cat(tag(4, protowire.BytesType), uvarint(1), []byte{0x81, 0x01}),
	}
	for name, data := range lists {
		t.Run(name, func(t *testing.T) { same[corev1.PodSecurityContext](t, data) })
	}
}
