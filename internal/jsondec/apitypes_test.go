package jsondec

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kdyn/kdyn/internal/apitypes"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	kjson "sigs.k8s.io/json"
)

// TestEveryAPIType fills objects of every kind of every group-version of
// k8s.io/api (alpha and beta included) with random values, encodes them as
// the API server would, and expects Unmarshal to decode what
// sigs.k8s.io/json decodes, field for field.
func TestEveryAPIType(t *testing.T) {
	scheme, err := apitypes.Scheme()
	require.NoError(t, err)
	kinds, types := apitypes.Kinds(scheme)
	fill := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(1), serializer.NewCodecFactory(scheme))
	fill.NilChance(0.2).NumElements(0, 3).MaxDepth(8)
	checked := 0
	for _, kind := range kinds {
		typ := types[kind]
		for range 5 {
			obj := reflect.New(typ)
			fill.Fill(obj.Interface())
			data, err := json.Marshal(obj.Interface())
			if err != nil {
				continue // random values no API server would send (NaN)
			}
			got, want := reflect.New(typ), reflect.New(typ)
			require.NoError(t, kjson.UnmarshalCaseSensitivePreserveInts(data, want.Interface()), "%s", kind)
			require.NoError(t, Unmarshal(data, got.Interface()), "%s: %s", kind, data)
			require.Equal(t, want.Interface(), got.Interface(), "%s: %s", kind, data)
			checked++
		}
	}
	require.Greater(t, checked, 3000, "objects checked")
	t.Logf("%d objects of %d kinds", checked, len(kinds))
}
