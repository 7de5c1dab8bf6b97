package unstructured

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// FuzzDecode checks that Decode and apimachinery's UnstructuredJSONScheme
// agree on any input: the same objects, or both an error. It also decodes
// each input with one long-lived Decoder, whose cache of boxed values spans
// inputs, and checks that it agrees with DecodeValue.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a","n":1.5e3}}]}`))
	var (
		mu  sync.Mutex
		dec Decoder
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSame(t, data)
		want, wantErr := DecodeValue(data)
		mu.Lock()
		got, gotErr := dec.DecodeValue(data)
		mu.Unlock()
		if (wantErr == nil) != (gotErr == nil) || !assert.ObjectsAreEqual(want, got) {
			t.Fatalf("Decoder and DecodeValue differ for %q: %v (%v) / %v (%v)", data, want, wantErr, got, gotErr)
		}
	})
}
