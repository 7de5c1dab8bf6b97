package unstructured

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCBORRoundTrip(t *testing.T) {
	listObj, err := Decode(testPodList(t, 3))
	require.NoError(t, err)
	deploy := must(FromTyped(testDeployment(1)))
	deploy.Object["ratio"] = 0.5
	for name, obj := range map[string]*unstructured.Unstructured{
		"deployment": deploy,
		"list item":  &listObj.(*unstructured.UnstructuredList).Items[1],
	} {
		t.Run(name, func(t *testing.T) {
			data, err := EncodeCBOR(obj)
			require.NoError(t, err)
			got, err := DecodeCBOR(data)
			require.NoError(t, err)
			assert.Equal(t, obj, got)
		})
	}
	t.Run("list", func(t *testing.T) {
		want := listObj.(*unstructured.UnstructuredList)
		data, err := EncodeCBOR(want)
		require.NoError(t, err)
		got, err := DecodeCBOR(data)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
	t.Run("garbage", func(t *testing.T) {
		_, err := DecodeCBOR([]byte{0xd9, 0xd9, 0xf7, 0xff})
		assert.Error(t, err)
		_, err = DecodeCBORList([]byte("{}"))
		assert.Error(t, err)
	})
}

// BenchmarkDecodeListCBOR decodes the benchmark list as CBOR, reported apart
// from JSON.
func BenchmarkDecodeListCBOR(b *testing.B) {
	obj, err := Decode(testPodList(b, 5000))
	require.NoError(b, err)
	data, err := EncodeCBOR(obj)
	require.NoError(b, err)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeCBORList(data); err != nil {
			b.Fatal(err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
