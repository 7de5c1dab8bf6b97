package jsondec

import (
	"bytes"
	"encoding/json"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
)

type named string

type inner struct {
	A string `json:"a"`
	B int    `json:"b,omitempty"`
}

type Embedded struct {
	E1       string `json:"e1"`
	Shadowed string `json:"x"`
}

type textKey struct{ v string }

func (k *textKey) UnmarshalText(b []byte) error { k.v = "t:" + string(b); return nil }

// sink has a field of every kind the codecs handle, and some they leave to
// sigs.k8s.io/json.
type sink struct {
	Embedded `json:",inline"`
	X        string `json:"x"` // shadows Embedded.Shadowed

	Str     string               `json:"str"`
	Named   named                `json:"named"`
	Bool    bool                 `json:"bool"`
	I8      int8                 `json:"i8"`
	I16     int16                `json:"i16"`
	I32     int32                `json:"i32"`
	I64     int64                `json:"i64"`
	Int     int                  `json:"int"`
	U8      uint8                `json:"u8"`
	U16     uint16               `json:"u16"`
	U32     uint32               `json:"u32"`
	U64     uint64               `json:"u64"`
	F32     float32              `json:"f32"`
	F64     float64              `json:"f64"`
	PStr    *string              `json:"pstr"`
	PPInt   **int                `json:"ppint"`
	Inner   inner                `json:"inner"`
	PInner  *inner               `json:"pinner"`
	Slice   []inner              `json:"slice"`
	Strs    []string             `json:"strs"`
	Bytes   []byte               `json:"bytes"`
	Labels  map[string]string    `json:"labels"`
	Map     map[named]inner      `json:"map"`
	IntMap  map[int]string       `json:"intMap"`
	TextMap map[textKey]int      `json:"textMap"`
	Any     any                  `json:"any"`
	Anys    []any                `json:"anys"`
	Array   [2]int               `json:"array"`
	Quoted  int                  `json:"quoted,string"`
	Time    metav1.Time          `json:"time"`
	PTime   *metav1.Time         `json:"ptime"`
	Qty     resource.Quantity    `json:"qty"`
	IOS     intstr.IntOrString   `json:"ios"`
	Raw     runtime.RawExtension `json:"raw"`
	Dur     metav1.Duration      `json:"dur"`
	NoTag   string
	Skipped string `json:"-"`
	private string
}

// TestSameAsSigsJSON decodes each document with Unmarshal and with
// sigs.k8s.io/json, and expects the same value, or errors from both.
func TestSameAsSigsJSON(t *testing.T) {
	docs := map[string]string{
		"empty object":                  `{}`,
		"null":                          `null`,
		"scalars":                       `{"str":"s","named":"n","bool":true,"i8":-128,"i16":32767,"i32":-5,"i64":9223372036854775807,"int":-9223372036854775808,"u8":255,"u16":65535,"u32":1,"u64":18446744073709551615,"f32":1.5,"f64":-2.5e-3}`,
		"nulls leave values":            `{"str":null,"bool":null,"i32":null,"f64":null,"inner":null,"time":null,"qty":null}`,
		"nulls clear pointers":          `{"pstr":null,"pinner":null,"slice":null,"labels":null,"ptime":null,"ppint":null}`,
		"pointers":                      `{"pstr":"p","ppint":7,"pinner":{"a":"x","b":2},"ptime":"2026-01-02T03:04:05Z"}`,
		"empty collections":             `{"slice":[],"strs":[],"labels":{},"map":{},"bytes":""}`,
		"collections":                   `{"slice":[{"a":"1"},{"b":2},{}],"strs":["a","b"],"labels":{"k":"v","n":null},"map":{"m":{"a":"x"}}}`,
		"base64":                        `{"bytes":"aGVsbG8="}`,
		"bytes as numbers":              `{"bytes":[104,105]}`,
		"bad base64":                    `{"bytes":"!!"}`,
		"case sensitive":                `{"Str":"no","STR":"no","str":"yes","notag":"no","NoTag":"yes"}`,
		"unknown fields":                `{"nope":{"deep":[1,{"x":null}],"s":"\u00e9"},"str":"kept","more":[true,false,null,-0.5e10]}`,
		"duplicate last wins":           `{"str":"a","str":"b","inner":{"a":"x"},"inner":{"b":3}}`,
		"duplicate slices":              `{"slice":[{"a":"1"},{"a":"2"}],"slice":[{"b":5}]}`,
		"duplicate maps merge":          `{"labels":{"a":"1"},"labels":{"b":"2"}}`,
		"embedded and shadowed":         `{"e1":"e","x":"outer"}`,
		"escapes":                       `{"str":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00"}`,
		"invalid utf8":                  "{\"str\":\"a\xffb\xc3\",\"labels\":{\"k\xfe\":\"v\"}}",
		"escaped key":                   `{"\u0073tr":"escaped key matches"}`,
		"fallback kinds":                `{"intMap":{"1":"a","-2":"b"},"textMap":{"k":1},"any":{"i":1,"f":1.5,"big":12345678901234567890,"l":[null,true,"s"]},"anys":[1,2.0],"array":[1,2],"quoted":"42"}`,
		"unmarshalers":                  `{"time":"2026-11-27T09:10:11+02:00","qty":"250m","ios":"50%","raw":{"a":[1]},"dur":"1m30s"}`,
		"odd unmarshaler input":         `{"qty":" 1Gi ","ios":8080,"time":"2026-11-27T09:10:11.5Z"}`,
		"quantity as number":            `{"qty":1}`,
		"escaped quantity":              `{"qty":"1\u0030"}`,
		"escaped time":                  `{"time":"2026-11-27T09:10:11\u005a"}`,
		"bad time":                      `{"time":"yesterday"}`,
		"bad quantity":                  `{"qty":"lots"}`,
		"whitespace":                    " \t\r\n{ \"str\" : \"s\" , \"strs\" : [ \"a\" , \"b\" ] } \n",
		"int overflow":                  `{"i8":128}`,
		"uint negative":                 `{"u8":-1}`,
		"uint overflow":                 `{"u16":65536}`,
		"int64 overflow":                `{"i64":9223372036854775808}`,
		"fraction into int":             `{"i32":1.0}`,
		"exponent into int":             `{"i32":1e3}`,
		"float32 overflow":              `{"f32":1e39}`,
		"string into int":               `{"i32":"1"}`,
		"number into string":            `{"str":1}`,
		"bool into string":              `{"str":true}`,
		"object into string":            `{"str":{}}`,
		"array into struct":             `{"inner":[]}`,
		"string into slice":             `{"strs":"a"}`,
		"number into map":               `{"labels":1}`,
		"number into bool":              `{"bool":0}`,
		"top-level array":               `[1,2]`,
		"trailing garbage":              `{} x`,
		"two documents":                 `{}{}`,
		"truncated":                     `{"str":"s"`,
		"truncated string":              `{"str":"s`,
		"truncated escape":              `{"str":"\u00`,
		"bad escape":                    `{"str":"\x"}`,
		"control character":             "{\"str\":\"a\nb\"}",
		"missing colon":                 `{"str" "s"}`,
		"missing comma":                 `{"str":"s" "bool":true}`,
		"trailing comma":                `{"str":"s",}`,
		"array trailing comma":          `{"strs":["a",]}`,
		"bad literal":                   `{"bool":tru}`,
		"bad number":                    `{"i32":01}`,
		"bare minus":                    `{"i32":-}`,
		"dot without digits":            `{"f64":1.}`,
		"exponent without digits":       `{"f64":1e}`,
		"syntax error in skipped value": `{"nope":[1,,2],"str":"s"}`,
		"syntax error after type error": `{"str":1,"x":[}`,
		"key not a string":              `{1:2}`,
		"empty input":                   ``,
		"only space":                    `  `,
		"unquoted string":               `{"str":abc}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var got, want sink
			errGot := Unmarshal([]byte(doc), &got)
			errWant := kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want)
			if errWant != nil {
				require.Error(t, errGot, "sigs.k8s.io/json fails with %v", errWant)
				return
			}
			require.NoError(t, errGot)
			assert.Equal(t, want, got)
			assert.Empty(t, got.private, "unexported fields are not decoded")
		})
	}
}

// TestDecodesIntoExisting: decoding into a value already filled adds to it
// as encoding/json does.
func TestDecodesIntoExisting(t *testing.T) {
	docs := []string{
		`{"str":"a","slice":[{"a":"1"},{"a":"2"}],"labels":{"a":"1"},"pinner":{"a":"x"}}`,
		`{"slice":[{"b":3}],"labels":{"b":"2"},"pinner":{"b":4}}`,
		`{"slice":[{"b":5},{"b":6}],"pinner":null}`,
	}
	var got, want sink
	for _, doc := range docs {
		require.NoError(t, Unmarshal([]byte(doc), &got))
		require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want))
		assert.Equal(t, want, got, doc)
	}
}

func TestTypeErrorContext(t *testing.T) {
	var s sink
	err := Unmarshal([]byte(`{"slice":[{"a":"x"},{"b":"two"}]}`), &s)
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "string", te.Value)
	assert.Equal(t, reflect.TypeFor[int](), te.Type)
	assert.Equal(t, "inner", te.Struct)
	assert.Equal(t, "slice.b", te.Field)
	assert.EqualError(t, err, "json: cannot unmarshal string into Go struct field inner.slice.b of type int")
}

func TestInvalidTarget(t *testing.T) {
	var s sink
	for _, v := range []any{nil, s, (*sink)(nil)} {
		var ie *json.InvalidUnmarshalError
		assert.ErrorAs(t, Unmarshal([]byte(`{}`), v), &ie)
	}
}

// TestStringsDoNotShareInput: the input may be reused once Unmarshal
// returns.
func TestStringsDoNotShareInput(t *testing.T) {
	data := []byte(`{"str":"before","labels":{"key":"value"},"qty":"1Gi"}`)
	var s sink
	require.NoError(t, Unmarshal(data, &s))
	for i := range data {
		data[i] = 'x'
	}
	assert.Equal(t, "before", s.Str)
	assert.Equal(t, map[string]string{"key": "value"}, s.Labels)
	assert.Equal(t, "1Gi", s.Qty.String())
}

func TestMaxDepth(t *testing.T) {
	deep := func(n int) []byte {
		doc := []byte(`{"any":`)
		for range n {
			doc = append(doc, '[')
		}
		for range n {
			doc = append(doc, ']')
		}
		return append(doc, '}')
	}
	var s sink
	assert.NoError(t, Unmarshal(deep(maxDepth-1), &s))
	assert.ErrorContains(t, Unmarshal(deep(maxDepth+1), &s), "exceeded max depth")
}

// TestMalformedArrayCostsLittle: a long run of commas where the elements of
// a large struct should be is an error found before gigabytes are
// allocated for them.
func TestMalformedArrayCostsLittle(t *testing.T) {
	type big struct{ Pad [4096]byte }
	doc := append([]byte(`{"items":[`), bytes.Repeat([]byte(","), 1<<20)...)
	var v struct {
		Items []big `json:"items"`
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	require.Error(t, Unmarshal(doc, &v))
	goruntime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated for 1 MiB of commas")
}

// TestUnmarshalOwnedStrings: Unmarshal carves neighbouring strings from one
// chunk, one right after the other; UnmarshalOwned gives each its own
// allocation, so that a value kept long keeps no chunk alive.
func TestUnmarshalOwnedStrings(t *testing.T) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	doc := []byte(`{"A":"` + a + `","B":"` + b + `"}`)
	var v struct{ A, B string }
	adjacent := func() bool {
		return uintptr(unsafe.Pointer(unsafe.StringData(v.B))) == uintptr(unsafe.Pointer(unsafe.StringData(v.A)))+40
	}
	require.NoError(t, Unmarshal(doc, &v))
	assert.Equal(t, []string{a, b}, []string{v.A, v.B})
	assert.True(t, adjacent(), "Unmarshal: one chunk")
	v.A, v.B = "", ""
	require.NoError(t, UnmarshalOwned(doc, &v))
	assert.Equal(t, []string{a, b}, []string{v.A, v.B})
	assert.False(t, adjacent(), "UnmarshalOwned: each its own")
}
