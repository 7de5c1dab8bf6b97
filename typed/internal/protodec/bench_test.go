package protodec

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkPodList decodes a list of 5,000 pods with Unmarshal and with
// the generated Unmarshal.
func BenchmarkPodList(b *testing.B) {
	l := &corev1.PodList{}
	for i := range 5000 {
		p := testPod()
		p.Name = fmt.Sprintf("api-%05d", i)
		l.Items = append(l.Items, *p)
	}
	data, err := l.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("protodec", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := Unmarshal(data, &corev1.PodList{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := (&corev1.PodList{}).Unmarshal(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
