package protodec

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/kdyn/kdyn/internal/apitypes"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

type marshaler interface{ Marshal() ([]byte, error) }

// apiTypes returns the types of every kind of every group-version of
// k8s.io/api (alpha and beta included) that have protobuf methods, by
// kind.
func apiTypes(t testing.TB) (kinds []string, types map[string]reflect.Type, s *runtime.Scheme) {
	s, err := apitypes.Scheme()
	require.NoError(t, err)
	all, allTypes := apitypes.Kinds(s)
	types = map[string]reflect.Type{}
	for _, kind := range all {
		if _, ok := reflect.New(allTypes[kind]).Interface().(marshaler); ok {
			kinds = append(kinds, kind)
			types[kind] = allTypes[kind]
		}
	}
	return kinds, types, s
}

// TestEveryAPIType fills objects of every kind of k8s.io/api with random
// values, encodes them with their generated Marshal, and expects Unmarshal
// to decode what their generated Unmarshal decodes, field for field.
func TestEveryAPIType(t *testing.T) {
	kinds, types, scheme := apiTypes(t)
	fill := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(1), serializer.NewCodecFactory(scheme))
	fill.NilChance(0.2).NumElements(0, 3).MaxDepth(8)
	checked := 0
	for _, kind := range kinds {
		typ := types[kind]
		for range 5 {
			obj := reflect.New(typ)
			fill.Fill(obj.Interface())
			data, err := obj.Interface().(marshaler).Marshal()
			require.NoError(t, err, kind)
			got, want := reflect.New(typ), reflect.New(typ)
			require.NoError(t, want.Interface().(unmarshaler).Unmarshal(data), kind)
			require.NoError(t, Unmarshal(data, got.Interface()), "%s", kind)
			require.Equal(t, want.Interface(), got.Interface(), "%s", kind)
			checked++
		}
	}
	require.Greater(t, checked, 3000, "objects checked")
	t.Logf("%d objects of %d kinds", checked, len(kinds))
}
