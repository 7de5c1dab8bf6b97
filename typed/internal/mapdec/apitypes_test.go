package mapdec

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kdyn/kdyn/internal/apitypes"
	kunstructured "github.com/kdyn/kdyn/unstructured"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/resource"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
)

// TestEveryAPIType fills objects of every kind of every group-version of
// k8s.io/api (alpha and beta included) with random values, encodes them as
// the API server would, decodes that with kdyn's unstructured decoder, as
// the cache does, and expects Decode to give what sigs.k8s.io/json decodes
// from the JSON, field for field (raw JSON values compared by meaning). It
// counts, for the record, the objects apimachinery's
// DefaultUnstructuredConverter converts differently.
func TestEveryAPIType(t *testing.T) {
	scheme, err := apitypes.Scheme()
	require.NoError(t, err)
	kinds, types := apitypes.Kinds(scheme)
	fill := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(1), serializer.NewCodecFactory(scheme))
	fill.NilChance(0.2).NumElements(0, 3).MaxDepth(8)
	var d Decoder
	checked, converterDiffers := 0, 0
	for _, kind := range kinds {
		typ := types[kind]
		for range 5 {
			obj := reflect.New(typ)
			fill.Fill(obj.Interface())
			data, err := json.Marshal(obj.Interface())
			if err != nil {
				continue // random values no API server would send (NaN)
			}
			m, err := kunstructured.DecodeValue(data)
			require.NoError(t, err, "%s", kind)
			want, got := reflect.New(typ), reflect.New(typ)
			require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts(data, want.Interface()), "%s", kind)
			require.NoError(t, d.Decode(m.(map[string]any), got.Interface()), "%s: %s", kind, data)
			canonicalRaw(want)
			canonicalRaw(got)
			require.Equal(t, want.Interface(), got.Interface(), "%s: %s", kind, data)

			conv := reflect.New(typ)
			m, _ = kunstructured.DecodeValue(data)
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m.(map[string]any), conv.Interface()); err != nil {
				converterDiffers++
			} else if canonicalRaw(conv); !reflect.DeepEqual(want.Interface(), conv.Interface()) {
				converterDiffers++
			}
			checked++
		}
	}
	require.Greater(t, checked, 3000, "objects checked")
	t.Logf("%d objects of %d kinds; DefaultUnstructuredConverter differs on %d", checked, len(kinds), converterDiffers)
}

var (
	knownUnmarshalers = map[reflect.Type]bool{
		reflect.TypeFor[metav1.Time]():        true,
		reflect.TypeFor[metav1.MicroTime]():   true,
		reflect.TypeFor[resource.Quantity]():  true,
		reflect.TypeFor[intstr.IntOrString](): true,
		reflect.TypeFor[metav1.Duration]():    true,
	}
)

// canonicalRaw rewrites, in place, every raw JSON value under v (a value
// of a json.Unmarshaler type other than those whose JSON is a scalar) with
// its JSON's keys sorted and HTML characters escaped, as encoding/json
// writes a map.
func canonicalRaw(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			canonicalRaw(v.Elem())
		}
		return
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			canonicalRaw(v.Index(i))
		}
		return
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(it.Value().Type()).Elem()
			e.Set(it.Value())
			canonicalRaw(e)
			v.SetMapIndex(it.Key(), e)
		}
		return
	case reflect.Struct:
	default:
		return
	}
	pt := reflect.PointerTo(v.Type())
	if v.CanAddr() && pt.Implements(unmarshalerType) && !knownUnmarshalers[v.Type()] {
		m, ok := v.Addr().Interface().(json.Marshaler)
		if !ok {
			return
		}
		data, err := m.MarshalJSON()
		if err != nil || len(data) == 0 {
			return
		}
		var generic any
		if json.Unmarshal(data, &generic) != nil {
			return
		}
		again, _ := json.Marshal(generic)
		fresh := reflect.New(v.Type())
		if fresh.Interface().(json.Unmarshaler).UnmarshalJSON(again) == nil {
			v.Set(fresh.Elem())
		}
		return
	}
	for i := range v.NumField() {
		if v.Type().Field(i).IsExported() {
			canonicalRaw(v.Field(i))
		}
	}
}
