package mapdec

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	kunstructured "github.com/kdyn/kdyn/unstructured"
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

type point struct{ X, Y int }

// quoted is converted by sigs.k8s.io/json as a whole: the ",string"
// option is not on the fast path.
type quoted struct {
	N int `json:"n,string"`
}

// panicky is a type whose UnmarshalJSON panics on "boom".
type panicky struct{}

func (*panicky) UnmarshalJSON(b []byte) error {
	if string(b) == `"boom"` {
		panic("boom")
	}
	return nil
}

// sink has a field of every kind the codecs handle, and some they leave to
// sigs.k8s.io/json.
type sink struct {
	Embedded `json:",inline"`
	X        string `json:"x"` // shadows Embedded.Shadowed

	Str      string                       `json:"str"`
	Named    named                        `json:"named"`
	Bool     bool                         `json:"bool"`
	I8       int8                         `json:"i8"`
	I16      int16                        `json:"i16"`
	I32      int32                        `json:"i32"`
	I64      int64                        `json:"i64"`
	Int      int                          `json:"int"`
	U8       uint8                        `json:"u8"`
	U16      uint16                       `json:"u16"`
	U32      uint32                       `json:"u32"`
	U64      uint64                       `json:"u64"`
	F32      float32                      `json:"f32"`
	F64      float64                      `json:"f64"`
	PStr     *string                      `json:"pstr"`
	PPInt    **int                        `json:"ppint"`
	Inner    inner                        `json:"inner"`
	PInner   *inner                       `json:"pinner"`
	Slice    []inner                      `json:"slice"`
	Strs     []string                     `json:"strs"`
	Bytes    []byte                       `json:"bytes"`
	Labels   map[string]string            `json:"labels"`
	Map      map[named]inner              `json:"map"`
	PtrMap   map[string]*inner            `json:"ptrMap"`
	Qtys     map[named]resource.Quantity  `json:"qtys"`
	IntMap   map[int]string               `json:"intMap"`
	TextMap  map[textKey]int              `json:"textMap"`
	Any      any                          `json:"any"`
	Anys     []any                        `json:"anys"`
	AnyMap   map[string]any               `json:"anyMap"`
	Stringer interface{ String() string } `json:"stringer"`
	Array    [2]int                       `json:"array"`
	Point    *point                       `json:"point"`
	Quoted   quoted                       `json:"quoted"`
	Time     metav1.Time                  `json:"time"`
	PTime    *metav1.Time                 `json:"ptime"`
	Micro    metav1.MicroTime             `json:"micro"`
	Qty      resource.Quantity            `json:"qty"`
	IOS      intstr.IntOrString           `json:"ios"`
	PIOS     *intstr.IntOrString          `json:"pios"`
	Raw      runtime.RawExtension         `json:"raw"`
	Dur      metav1.Duration              `json:"dur"`
	MF       []metav1.ManagedFieldsEntry  `json:"mf"`
	Panicky  panicky                      `json:"panicky"`
	NoTag    string
	Skipped  string `json:"-"`
	private  string
}

// decodeVia decodes doc as the cache would (kdyn's unstructured decoder)
// and converts the result into into.
func decodeVia(t *testing.T, doc string, into any) error {
	t.Helper()
	v, err := kunstructured.DecodeValue([]byte(doc))
	require.NoError(t, err, "the test documents are valid JSON")
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return typeError(v, reflect.TypeOf(into).Elem())
	}
	var d Decoder
	return d.Decode(m, into)
}

// TestSameAsSigsJSON converts the map decoded from each document and
// expects what sigs.k8s.io/json decodes from the document, or an error
// where it fails.
func TestSameAsSigsJSON(t *testing.T) {
	docs := map[string]string{
		"empty object":           `{}`,
		"null":                   `null`,
		"scalars":                `{"str":"s","named":"n","bool":true,"i8":-128,"i16":32767,"i32":-5,"i64":9223372036854775807,"int":-9223372036854775808,"u8":255,"u16":65535,"u32":1,"u64":9223372036854775807,"f32":1.5,"f64":-2.5e-3}`,
		"integers into floats":   `{"f32":3,"f64":-9007199254740993}`,
		"nulls leave values":     `{"str":null,"bool":null,"i32":null,"u8":null,"f64":null,"inner":null,"time":null,"micro":null,"qty":null,"ios":null,"raw":null,"dur":null,"any":null}`,
		"nulls clear pointers":   `{"pstr":null,"pinner":null,"slice":null,"labels":null,"ptime":null,"ppint":null,"pios":null,"bytes":null}`,
		"pointers":               `{"pstr":"p","ppint":7,"pinner":{"a":"x","b":2},"ptime":"2026-01-02T03:04:05Z","pios":"http","point":{"X":1}}`,
		"empty collections":      `{"slice":[],"strs":[],"labels":{},"map":{},"bytes":"","anys":[],"anyMap":{}}`,
		"collections":            `{"slice":[{"a":"1"},{"b":2},{}],"strs":["a","b"],"labels":{"k":"v","n":null},"map":{"m":{"a":"x"},"z":null},"ptrMap":{"p":{"a":"y"},"n":null}}`,
		"quantity map":           `{"qtys":{"cpu":"100m","memory":"128Mi","nvidia.com/gpu":1}}`,
		"base64":                 `{"bytes":"aGVsbG8="}`,
		"base64 with newlines":   `{"bytes":"aGVs\nbG8="}`,
		"bytes as numbers":       `{"bytes":[104,105]}`,
		"bad base64":             `{"bytes":"!!"}`,
		"case sensitive":         `{"Str":"no","STR":"no","str":"yes","notag":"no","NoTag":"yes"}`,
		"unknown fields":         `{"nope":{"deep":[1,{"x":null}],"s":"\u00e9"},"str":"kept","more":[true,false,null,-0.5e10]}`,
		"embedded and shadowed":  `{"e1":"e","x":"outer"}`,
		"escapes":                `{"str":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00"}`,
		"invalid utf8":           "{\"str\":\"a\xffb\xc3\",\"labels\":{\"k\xfe\":\"v\"}}",
		"escaped key":            `{"\u0073tr":"escaped key matches"}`,
		"fallback kinds":         `{"intMap":{"1":"a","-2":"b"},"textMap":{"k":1},"array":[1,2],"quoted":{"n":"42"},"stringer":null}`,
		"interface values":       `{"any":{"i":1,"f":1.5,"big":12345678901234567890,"l":[null,true,"s"],"o":{}},"anys":[1,2.0,"x"],"anyMap":{"a":[{"b":-1}]}}`,
		"unmarshalers":           `{"time":"2026-11-27T09:10:11+02:00","micro":"2026-11-27T09:10:11.123456Z","qty":"250m","ios":"50%","raw":{"a":[1],"b":"x"},"dur":"1m30s"}`,
		"odd unmarshaler input":  `{"qty":" 1Gi ","ios":8080,"time":"2026-11-27T09:10:11.5Z"}`,
		"managed fields":         `{"mf":[{"manager":"m","operation":"Apply","time":"2026-11-27T09:10:11Z","fieldsType":"FieldsV1","fieldsV1":{".":{},"f:a":{"k:{\"x\":1}":{}}}},{"manager":"n","fieldsV1":null},{"manager":"o","fieldsV1":{}}]}`,
		"fields as a string":     `{"mf":[{"fieldsV1":"f"}]}`,
		"quantity as number":     `{"qty":1}`,
		"quantity as fraction":   `{"qty":0.5}`,
		"quantity zero":          `{"qty":"0"}`,
		"quantity with amp":      `{"qty":"1&"}`,
		"escaped time":           `{"time":"2026-11-27T09:10:11\u005a"}`,
		"bad time":               `{"time":"yesterday"}`,
		"time as number":         `{"time":1}`,
		"bad micro time":         `{"micro":"2026-11-27T09:10:11Z"}`,
		"bad quantity":           `{"qty":"lots"}`,
		"quantity as bool":       `{"qty":true}`,
		"int or string overflow": `{"ios":2147483648}`,
		"int or string fraction": `{"ios":1.5}`,
		"int or string bool":     `{"ios":true}`,
		"bad duration":           `{"dur":"soon"}`,
		"int overflow":           `{"i8":128}`,
		"int underflow":          `{"i16":-32769}`,
		"uint negative":          `{"u8":-1}`,
		"uint overflow":          `{"u16":65536}`,
		"int64 overflow":         `{"i64":9223372036854775808}`,
		"fraction into int":      `{"i32":1.0}`,
		"exponent into int":      `{"i32":1e3}`,
		"float32 overflow":       `{"f32":1e39}`,
		"string into int":        `{"i32":"1"}`,
		"number into string":     `{"str":1}`,
		"bool into string":       `{"str":true}`,
		"object into string":     `{"str":{}}`,
		"array into struct":      `{"inner":[]}`,
		"string into slice":      `{"strs":"a"}`,
		"number into map":        `{"labels":1}`,
		"number into label":      `{"labels":{"a":1}}`,
		"number into bool":       `{"bool":0}`,
		"string into pointer":    `{"pinner":"x"}`,
		"deep type error":        `{"slice":[{"a":"x"},{"b":"two"}]}`,
		"error in a map":         `{"map":{"m":{"b":"x"}}}`,
		"top-level array":        `[1,2]`,
		"top-level string":       `"s"`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var got, want sink
			errGot := decodeVia(t, doc, &got)
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

// TestSinkIsOnTheFastPath: a struct with a member the codecs leave to
// sigs.k8s.io/json would be converted by it as a whole, and the tests
// above would test it instead.
func TestSinkIsOnTheFastPath(t *testing.T) {
	c := codecFor(reflect.TypeFor[sink]())
	assert.Equal(t, reflect.ValueOf(decodeStruct).Pointer(), reflect.ValueOf(c.decode).Pointer())
	assert.Equal(t, reflect.ValueOf(decodeFallback).Pointer(), reflect.ValueOf(c.fields["quoted"].c.decode).Pointer())
}

// TestDocumentedDifferences are the things a map cannot tell, as the
// package documentation describes them.
func TestDocumentedDifferences(t *testing.T) {
	var got, want sink
	doc := `{"u64":18446744073709551615}`
	require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want))
	assert.Error(t, decodeVia(t, doc, &got), "an integer beyond int64 is a float64 in the map")

	doc = `{"raw":{"b":1,  "a":"<"}}`
	got, want = sink{}, sink{}
	require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want))
	require.NoError(t, decodeVia(t, doc, &got))
	assert.Equal(t, `{"b":1,  "a":"<"}`, string(want.Raw.Raw))
	assert.Equal(t, `{"a":"\u003c","b":1}`, string(got.Raw.Raw), "raw JSON encoded again: sorted keys, HTML escaped")

	doc = `{"inner":{"a":"x"},"inner":{"b":3}}`
	got, want = sink{}, sink{}
	require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want))
	require.NoError(t, decodeVia(t, doc, &got))
	assert.Equal(t, inner{A: "x", B: 3}, want.Inner, "encoding/json merges a duplicate object")
	assert.Equal(t, inner{B: 3}, got.Inner, "the map kept the last one")

	doc = `{"qty":"1\u0030"}`
	got, want = sink{}, sink{}
	assert.Error(t, kjson.UnmarshalCaseSensitivePreserveInts([]byte(doc), &want), "UnmarshalJSON reads the escape as it is")
	require.NoError(t, decodeVia(t, doc, &got))
	assert.Equal(t, "10", got.Qty.String(), "the map holds the string unescaped")
}

func TestErrorPath(t *testing.T) {
	cases := map[string]struct{ doc, path, msg string }{
		"slice":   {`{"slice":[{"a":"x"},{"b":"two"}]}`, "slice[1].b", "cannot convert a JSON string into Go type int"},
		"map":     {`{"map":{"m":{"b":"x"}}}`, "map.m.b", "cannot convert a JSON string into Go type int"},
		"label":   {`{"labels":{"a":true}}`, "labels.a", "cannot convert a JSON bool into Go type string"},
		"range":   {`{"i8":300}`, "i8", "cannot convert a JSON number 300 into Go type int8"},
		"time":    {`{"ptime":"soon"}`, "ptime", `v1.Time: parsing time "soon"`},
		"any":     {`{"stringer":1}`, "stringer", "json: cannot unmarshal number"},
		"panic":   {`{"panicky":"boom"}`, "", "panicked: boom"},
		"top":     {`{"x":1}`, "x", "cannot convert a JSON number into Go type string"},
		"pointer": {`{"ppint":"x"}`, "ppint", "cannot convert a JSON string into Go type int"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var s sink
			err := decodeVia(t, tc.doc, &s)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.msg)
			var e *Error
			if tc.path != "" {
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.path, e.Path)
				assert.True(t, strings.HasPrefix(err.Error(), tc.path+": "), err.Error())
			}
		})
	}
}

func TestInvalidTarget(t *testing.T) {
	var d Decoder
	var s sink
	for _, v := range []any{nil, s, (*sink)(nil)} {
		assert.ErrorContains(t, d.Decode(map[string]any{}, v), "a non-nil pointer is required")
	}
}

// TestStringsDoNotShareInput: kdyn's decoder makes decoded strings slices
// of one copy of the input; a converted object must not keep it alive.
func TestStringsDoNotShareInput(t *testing.T) {
	doc := `{"str":"a string longer than thirty-two bytes, copied","named":"short","labels":{"key":"value"},` +
		`"qty":"1Gi","ios":"http","strs":["x"],"any":{"k":["v"]},"map":{"m":{"a":"y"}},"pstr":"p"}`
	v, err := kunstructured.DecodeValue([]byte(doc))
	require.NoError(t, err)
	var s sink
	var d Decoder
	require.NoError(t, d.Decode(v.(map[string]any), &s))
	lo := addr(doc)
	in := func(str string) bool { return addr(str) >= lo && addr(str) < lo+uintptr(len(doc)) }
	// The decoder's own copy of the input is where its strings point.
	var decoded []string
	collectStrings(reflect.ValueOf(v), &decoded)
	var kept []string
	collectStrings(reflect.ValueOf(&s).Elem(), &kept)
	require.NotEmpty(t, kept)
	for _, str := range kept {
		assert.False(t, in(str), "%q points into the input", str)
		for _, src := range decoded {
			if len(src) > 0 && len(str) > 0 {
				assert.NotEqual(t, addr(src), addr(str), "%q shares the decoded map's memory", str)
			}
		}
	}
}

// collectStrings appends every string reachable from v.
func collectStrings(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectStrings(v.Elem(), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				collectStrings(v.Field(i), out)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectStrings(v.Index(i), out)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			collectStrings(it.Key(), out)
			collectStrings(it.Value(), out)
		}
	}
}

// TestInterning: equal short strings of many objects are one copy.
func TestInterning(t *testing.T) {
	var d Decoder
	var a, b sink
	require.NoError(t, d.Decode(map[string]any{"str": strings.Clone("repeated"), "labels": map[string]any{"app": "web"}}, &a))
	require.NoError(t, d.Decode(map[string]any{"str": strings.Clone("repeated"), "labels": map[string]any{"app": "web"}}, &b))
	assert.Equal(t, addr(a.Str), addr(b.Str))
	for k, v := range a.Labels {
		for k2, v2 := range b.Labels {
			assert.Equal(t, addr(k), addr(k2))
			assert.Equal(t, addr(v), addr(v2))
		}
	}
	long := strings.Repeat("x", maxInternLen+1)
	require.NoError(t, d.Decode(map[string]any{"str": long}, &a))
	require.NoError(t, d.Decode(map[string]any{"str": long}, &b))
	assert.NotEqual(t, addr(a.Str), addr(b.Str), "long strings are copied, not interned")
}

// addr is where a string's bytes are.
func addr(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }

// TestSharedMaps: equal maps of scalars converted into the same Go type
// are one map; others are not.
func TestSharedMaps(t *testing.T) {
	var d Decoder
	var a, b, c sink
	doc := func(labels map[string]any) map[string]any {
		return map[string]any{"labels": labels, "qtys": map[string]any{"cpu": "100m", "memory": "1Gi"},
			"anyMap": map[string]any{"cpu": "100m", "memory": "1Gi"}, "map": map[string]any{"m": map[string]any{"a": "x"}}}
	}
	require.NoError(t, d.Decode(doc(map[string]any{"app": "web", "tier": "front"}), &a))
	require.NoError(t, d.Decode(doc(map[string]any{"tier": "front", "app": "web"}), &b))
	require.NoError(t, d.Decode(doc(map[string]any{"app": "web", "tier": "back"}), &c))
	ptr := func(m any) uintptr { return reflect.ValueOf(m).Pointer() }
	assert.Equal(t, ptr(a.Labels), ptr(b.Labels), "equal labels: one map")
	assert.NotEqual(t, ptr(a.Labels), ptr(c.Labels))
	assert.Equal(t, map[string]string{"app": "web", "tier": "back"}, c.Labels)
	assert.Equal(t, ptr(a.Qtys), ptr(c.Qtys), "equal resource lists: one map")
	assert.Equal(t, ptr(a.AnyMap), ptr(b.AnyMap), "the same entries as Qtys, into another type: shared apart")
	assert.Equal(t, map[string]any{"cpu": "100m", "memory": "1Gi"}, c.AnyMap)
	assert.NotEqual(t, ptr(a.Map), ptr(b.Map), "maps of objects are not shared")
	assert.Equal(t, a.Qtys["cpu"], c.Qtys["cpu"])

	mf := func() map[string]any {
		return map[string]any{"mf": []any{map[string]any{"manager": "m", "fieldsV1": map[string]any{"f:spec": map[string]any{"f:replicas": map[string]any{}}}}}}
	}
	require.NoError(t, d.Decode(mf(), &a))
	require.NoError(t, d.Decode(mf(), &b))
	assert.Equal(t, `{"f:spec":{"f:replicas":{}}}`, b.MF[0].FieldsV1.GetRawString())
	assert.Same(t, unsafe.SliceData(a.MF[0].FieldsV1.GetRawBytes()), unsafe.SliceData(b.MF[0].FieldsV1.GetRawBytes()), "equal trees: one copy of the bytes")
}
