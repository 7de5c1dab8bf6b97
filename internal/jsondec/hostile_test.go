package jsondec

import (
	"bytes"
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	kjson "sigs.k8s.io/json"
)

// tree is a recursive type with large elements, as a CRD's JSONSchemaProps
// (its allOf, anyOf and oneOf) is.
type tree struct {
	Name     string          `json:"name"`
	Kids     []tree          `json:"kids"`
	Children map[string]tree `json:"children"`
	Next     *tree           `json:"next"`
	Pad      [4096]byte      `json:"-"`
}

// TestNestedMalformedListsCostLittle: lists nested in lists, each counted
// with a long run of commas after the element that holds the next, so that
// decoding fails inside the innermost before any count is used. What
// presizing allocates for them is bounded by the input's size once, not
// once per level: beside the element of each level that is decoded (which
// sigs.k8s.io/json allocates too), at most 8 bytes per input byte (before,
// 64 MB for these 33 KB).
func TestNestedMalformedListsCostLittle(t *testing.T) {
	const levels, commas = 256, 64
	doc := strings.Repeat(`{"kids":[`, levels) + "{}" + strings.Repeat(strings.Repeat(",", commas)+"]}", levels)
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	require.Error(t, Unmarshal([]byte(doc), &tree{}))
	goruntime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of input, %d allocated", len(doc), allocated)
	decoded := 2 * levels * unsafe.Sizeof(tree{}) // with room for growth
	assert.Less(t, allocated, uint64(decoded)+uint64(16*len(doc)))
}

// TestRecursiveTypeMaxDepth: a recursive type nested past the limit is an
// error, at the same depth as for sigs.k8s.io/json, through objects, lists,
// maps and pointers alike.
func TestRecursiveTypeMaxDepth(t *testing.T) {
	for name, level := range map[string][2]string{
		"objects":  {`{"next":`, `}`},
		"lists":    {`{"kids":[`, `]}`},
		"maps":     {`{"children":{"k":`, `}}`},
		"unknowns": {`{"other":[`, `]}`},
	} {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{maxDepth/2 - 1, maxDepth/2 + 1, maxDepth - 1, maxDepth + 1, 1_000_000} {
				doc := []byte(strings.Repeat(level[0], n) + "{}" + strings.Repeat(level[1], n))
				errGot := Unmarshal(doc, &tree{})
				errWant := kjson.UnmarshalCaseSensitivePreserveInts(doc, &tree{})
				assert.Equal(t, errWant == nil, errGot == nil, "%d levels: %v; sigs.k8s.io/json: %v", n, errGot, errWant)
			}
		})
	}
}

// TestNullIntoEveryKind: null leaves scalars and structs as they are, and
// makes pointers, slices, maps and interfaces nil, as sigs.k8s.io/json
// does, for values already set too.
func TestNullIntoEveryKind(t *testing.T) {
	full := `{"str":"s","named":"n","bool":true,"i8":1,"i16":1,"i32":1,"i64":1,"int":1,"u8":1,"u16":1,"u32":1,"u64":1,` +
		`"f32":1,"f64":1,"pstr":"p","ppint":1,"inner":{"a":"x"},"pinner":{"a":"x"},"slice":[{}],"strs":["a"],"bytes":"aGk=",` +
		`"labels":{"a":"b"},"map":{"a":{}},"intMap":{"1":"a"},"textMap":{"a":1},"any":1,"anys":[1],"array":[1,2],"quoted":"1",` +
		`"time":"2026-01-02T03:04:05Z","ptime":"2026-01-02T03:04:05Z","qty":"1","ios":1,"raw":{},"dur":"1s","NoTag":"x"}`
	var nulls bytes.Buffer
	nulls.WriteString("{")
	for i, key := range []string{"str", "named", "bool", "i8", "i16", "i32", "i64", "int", "u8", "u16", "u32", "u64",
		"f32", "f64", "pstr", "ppint", "inner", "pinner", "slice", "strs", "bytes", "labels", "map", "intMap", "textMap",
		"any", "anys", "array", "quoted", "time", "ptime", "qty", "ios", "raw", "dur", "NoTag"} {
		if i > 0 {
			nulls.WriteString(",")
		}
		nulls.WriteString(`"` + key + `":null`)
	}
	nulls.WriteString("}")
	var got, want sink
	require.NoError(t, Unmarshal([]byte(full), &got))
	require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(full), &want))
	errGot := Unmarshal(nulls.Bytes(), &got)
	errWant := kjson.UnmarshalCaseSensitivePreserveInts(nulls.Bytes(), &want)
	assert.Equal(t, errWant, errGot)
	assert.Equal(t, want, got)
}

// firstUse types are decoded nowhere else, so that their codecs are built
// by the goroutines of TestConcurrentDecodes, at the same time.
type firstUse struct {
	Name  string            `json:"name"`
	Nodes []firstUseNode    `json:"nodes"`
	Index map[string]string `json:"index"`
}

type firstUseNode struct {
	Name string         `json:"name"`
	Next *firstUse      `json:"next"`
	Tags []string       `json:"tags"`
	More map[string]any `json:"more"`
}

// TestConcurrentDecodes: goroutines building the same codecs and decoding
// at once each get what sigs.k8s.io/json gives, and the strings each keeps
// stay as they were while the others decode into chunks of their own.
func TestConcurrentDecodes(t *testing.T) {
	doc := func(i int) []byte {
		return fmt.Appendf(nil, `{"name":"n%d","nodes":[{"name":"a%d","tags":["t%d","u"],"next":{"name":"x%d","index":{"k":"v%d"}}},{"more":{"i":%d}}],"index":{"i":"%d"}}`, i, i, i, i, i, i, i)
	}
	const goroutines, rounds = 8, 200
	kept := make([][]firstUse, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				var v firstUse
				if err := Unmarshal(doc(g*rounds+r), &v); err != nil {
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
			var want firstUse
			require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts(doc(g*rounds+r), &want))
			require.Equal(t, want, got)
		}
	}
}

type chain struct {
	Next *chain `json:"next"`
	Name string `json:"name"`
}

// TestDeepTypeErrorCostsLittle: a type error at the bottom of structs
// nested to the depth limit names the whole path, as sigs.k8s.io/json
// does, without a copy of the path at each level (250 MB for these 90 KB,
// before).
func TestDeepTypeErrorCostsLittle(t *testing.T) {
	const n = maxDepth - 2
	doc := []byte(strings.Repeat(`{"next":`, n) + `{"name":1}` + strings.Repeat(`}`, n))
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	err := Unmarshal(doc, &chain{})
	goruntime.ReadMemStats(&after)
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "chain", te.Struct)
	assert.Equal(t, strings.Repeat("next.", n)+"name", te.Field)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of input, %d allocated", len(doc), allocated)
	assert.Less(t, allocated, uint64(64*len(doc)))
}
