package unstructured

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// BenchmarkDecodeList decodes a PodList of 5,000 pods (~4.9 MB) with kdyn and
// with apimachinery's UnstructuredJSONScheme in the same run. Besides wall
// time it reports cpu-ns/op, the process CPU time per decode, which stays
// meaningful on a machine shared with other work.
func BenchmarkDecodeList(b *testing.B) {
	data := testPodList(b, 5000)
	run := func(decode func([]byte) (runtime.Object, error)) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu0, ok := processCPU()
			for b.Loop() {
				if _, err := decode(data); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, _ := processCPU(); ok {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		}
	}
	b.Run("kdyn", run(Decode))
	b.Run("apimachinery", run(func(d []byte) (runtime.Object, error) {
		return runtime.Decode(unstructured.UnstructuredJSONScheme, d)
	}))
}

func TestBenchListSize(t *testing.T) {
	n := len(testPodList(t, 5000))
	if n < 4_500_000 || n > 5_300_000 {
		t.Errorf("benchmark list is %d bytes, want ~4.9 MB", n)
	}
}
