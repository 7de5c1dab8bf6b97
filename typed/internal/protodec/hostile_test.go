package protodec

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
)

// tree is a recursive type with a map whose values hold maps of the same
// types, as a CRD's JSONSchemaProps holds its properties. k8s.io/api has
// none, but apiextensions' types, which have protobuf methods, do.
type tree struct {
	Name     string          `protobuf:"bytes,1,opt,name=name"`
	Children map[string]tree `protobuf:"bytes,2,rep,name=children"`
	Kids     []tree          `protobuf:"bytes,3,rep,name=kids"`
	Pad      [4096]byte      // makes each element of Kids large
}

func appendField(b []byte, num protowire.Number, body []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, body)
}

// encodeTree encodes t's names and children, the keys in the order given.
func encodeTree(t *tree, keys ...string) []byte {
	b := appendField(nil, 1, []byte(t.Name))
	for _, k := range keys {
		child := t.Children[k]
		var grandchildren []string
		for gk := range child.Children {
			grandchildren = append(grandchildren, gk)
		}
		entry := appendField(nil, 1, []byte(k))
		entry = appendField(entry, 2, encodeTree(&child, grandchildren...))
		b = appendField(b, 2, entry)
	}
	return b
}

// TestMapsOfMapsOfOneType: the key and value of an entry stay its own
// while the maps its value holds are decoded (they once shared one scratch
// value, which panicked with a nil map).
func TestMapsOfMapsOfOneType(t *testing.T) {
	want := tree{Name: "root", Children: map[string]tree{
		"spec":   {Name: "S", Children: map[string]tree{"replicas": {Name: "R"}, "selector": {Name: "L"}}},
		"status": {Name: "T"},
	}}
	var got tree
	require.NoError(t, Unmarshal(encodeTree(&want, "spec", "status"), &got))
	assert.Equal(t, want, got)
}

// nest encodes a message nested n deep through field 1: a few bytes a
// level.
func nest(n int) []byte {
	sizes := make([]int, n+1)
	for i := 1; i <= n; i++ {
		sizes[i] = 1 + protowire.SizeVarint(uint64(sizes[i-1])) + sizes[i-1]
	}
	b := make([]byte, 0, sizes[n])
	for i := n; i > 0; i-- {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizes[i-1]))
	}
	return b
}

type chain struct {
	Next *chain `protobuf:"bytes,1,opt,name=next"`
}

// TestMaxDepth: nesting past maxDepth is an error, not a stack grown until
// the runtime's fatal "stack overflow", which 3 million levels (14 MB, well
// under rest's 64 MiB object limit) reached before the limit.
func TestMaxDepth(t *testing.T) {
	var c chain
	require.NoError(t, Unmarshal(nest(maxDepth-1), &c))
	require.ErrorIs(t, Unmarshal(nest(maxDepth+1), &chain{}), errTooDeep)
	require.ErrorIs(t, Unmarshal(nest(3_000_000), &chain{}), errTooDeep)
}

// TestMapValueReplaced: a map entry that holds its value twice keeps the
// second, as the generated code, which decodes each into a new value; it
// does not merge them.
func TestMapValueReplaced(t *testing.T) {
	quantity := func(s string) []byte { return appendField(nil, 1, []byte(s)) }
	entry := appendField(nil, 1, []byte("cpu"))
	entry = appendField(entry, 2, quantity("250m"))
	entry = appendField(entry, 2, nil) // an empty Quantity: zero
	same[corev1.ResourceRequirements](t, appendField(nil, 1, entry))

	intAttr := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 7)
	entry = appendField(nil, 1, []byte("example.com/model"))
	entry = appendField(entry, 2, intAttr)
	entry = appendField(entry, 2, appendField(nil, 4, []byte("a100")))
	device := appendField(appendField(nil, 1, []byte("gpu-0")), 2, entry)
	same[resourcev1.Device](t, device)

	var d resourcev1.Device
	require.NoError(t, Unmarshal(device, &d))
	attr := d.Attributes["example.com/model"]
	assert.Nil(t, attr.IntValue, "the first value's int")
	assert.Equal(t, "a100", *attr.StringValue)
}

// TestNestedMalformedListsCostLittle: lists nested in lists, each counted
// with a long run of empty elements after the one that holds the next,
// and the innermost element malformed, so that decoding fails before any
// count is used. What presizing allocates for them is bounded by the
// input's size once, not once per level: beside the element of each level
// that is decoded (which the generated code allocates too), at most 8
// bytes per input byte (before, 69 MB for these 33 KB).
func TestNestedMalformedListsCostLittle(t *testing.T) {
	const levels, empties = 256, 64
	var empty []byte
	for range empties {
		empty = appendField(empty, 3, nil)
	}
	msg := appendField(nil, 3, []byte{0x80}) // a varint cut short
	for range levels {
		msg = append(appendField(nil, 3, msg), empty...)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	require.Error(t, Unmarshal(msg, &tree{}))
	goruntime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of input, %d allocated", len(msg), allocated)
	decoded := 2 * levels * unsafe.Sizeof(tree{}) // with room for growth
	assert.Less(t, allocated, uint64(decoded)+uint64(16*len(msg)))
}

// firstUse types are decoded nowhere else, so that their codecs are built
// by the goroutines of TestConcurrentDecodes, at the same time.
type firstUse struct {
	Name  string              `protobuf:"bytes,1,opt,name=name"`
	Nodes []firstUseNode      `protobuf:"bytes,2,rep,name=nodes"`
	Index map[string]firstUse `protobuf:"bytes,3,rep,name=index"`
}

type firstUseNode struct {
	Name string    `protobuf:"bytes,1,opt,name=name"`
	Next *firstUse `protobuf:"bytes,2,opt,name=next"`
	Tags []string  `protobuf:"bytes,3,rep,name=tags"`
}

// TestConcurrentDecodes: goroutines building the same codecs and decoding
// at once each get the values encoded, and the strings each keeps stay as
// they were while the others decode into chunks of their own.
func TestConcurrentDecodes(t *testing.T) {
	value := func(i int) firstUse {
		s := func(p string) string { return fmt.Sprint(p, i) }
		return firstUse{Name: s("n"), Nodes: []firstUseNode{
			{Name: s("a"), Tags: []string{s("t"), "u"}, Next: &firstUse{Name: s("x")}},
			{Name: s("b")},
		}, Index: map[string]firstUse{s("k"): {Name: s("v"), Index: map[string]firstUse{"i": {Name: s("w")}}}}}
	}
	var encode func(v *firstUse) []byte
	encode = func(v *firstUse) []byte {
		b := appendField(nil, 1, []byte(v.Name))
		for _, n := range v.Nodes {
			nb := appendField(nil, 1, []byte(n.Name))
			if n.Next != nil {
				nb = appendField(nb, 2, encode(n.Next))
			}
			for _, tag := range n.Tags {
				nb = appendField(nb, 3, []byte(tag))
			}
			b = appendField(b, 2, nb)
		}
		for k, e := range v.Index {
			b = appendField(b, 3, appendField(appendField(nil, 1, []byte(k)), 2, encode(&e)))
		}
		return b
	}
	const goroutines, rounds = 8, 200
	kept := make([][]firstUse, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				want := value(g*rounds + r)
				var v firstUse
				if err := Unmarshal(encode(&want), &v); err != nil {
					t.Error(err)
					return
				}
				kept[g] = append(kept[g], v)
			}
		})
	}
	wg.Wait()
	for g := range goroutines {
		for r, got := range kept[g] {
			require.Equal(t, value(g*rounds+r), got)
		}
	}
}

// leaf and pointers have a field of a shape k8s.io/api's types do not have,
// []*T, and an Unmarshal method, as generated code for such a type would.
type leaf struct {
	Name string `protobuf:"bytes,1,opt,name=name"`
}

type pointers struct {
	Leaves []*leaf `protobuf:"bytes,1,rep,name=leaves"`
	Note   string  `protobuf:"bytes,2,opt,name=note"`
}

func (p *pointers) Unmarshal(data []byte) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 || typ != protowire.BytesType {
			return errors.New("pointers: bad tag")
		}
		body, m := protowire.ConsumeBytes(data[n:])
		if m < 0 {
			return errors.New("pointers: bad length")
		}
		switch num {
		case 1:
			name, k := protowire.ConsumeBytes(body[1:])
			if k < 0 {
				return errors.New("pointers: bad leaf")
			}
			p.Leaves = append(p.Leaves, &leaf{Name: string(name)})
		case 2:
			p.Note = string(body)
		}
		data = data[n+m:]
	}
	return nil
}

// TestUnsupportedShapeUsesMethod: a type with a field the codecs cannot
// decode goes through its own Unmarshal instead of dropping the field.
func TestUnsupportedShapeUsesMethod(t *testing.T) {
	data := cat(appendField(nil, 1, appendField(nil, 1, []byte("a"))), appendField(nil, 1, appendField(nil, 1, []byte("b"))),
		appendField(nil, 2, []byte("n")))
	var got pointers
	require.NoError(t, Unmarshal(data, &got))
	assert.Equal(t, pointers{Leaves: []*leaf{{Name: "a"}, {Name: "b"}}, Note: "n"}, got)
}
