package unstructured

import "testing"

// FuzzDecode checks that Decode and apimachinery's UnstructuredJSONScheme
// agree on any input: the same objects, or both an error.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a","n":1.5e3}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSame(t, data)
	})
}
