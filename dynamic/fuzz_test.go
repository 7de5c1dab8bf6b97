package dynamic

import (
	"bytes"
	"io"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
)

// FuzzCBOREvents feeds arbitrary bytes to the application/cbor-seq watch
// decoder: it must return events or an error, never panic or loop.
func FuzzCBOREvents(f *testing.F) {
	tag := []byte{0xd9, 0xd9, 0xf7}
	f.Add(append(tag, must(direct.Marshal(metav1.WatchEvent{Type: "ADDED",
		Object: runtime.RawExtension{Raw: cborOf(podWithRV("a", "1"))}}))...))
	f.Add(append(tag, must(direct.Marshal(metav1.WatchEvent{Type: "ERROR",
		Object: runtime.RawExtension{Raw: append(tag, must(direct.Marshal(metav1.Status{Code: 410}))...)}}))...))
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newCBOREventDecoder(io.NopCloser(bytes.NewReader(data)))
		defer d.Close()
		for range len(data) + 1 {
			if _, _, err := d.Decode(); err != nil {
				return
			}
		}
		t.Fatalf("more events than bytes in %x", data)
	})
}
