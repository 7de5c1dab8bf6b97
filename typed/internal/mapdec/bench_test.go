package mapdec

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/kdyn/kdyn/internal/jsondec"
	kunstructured "github.com/kdyn/kdyn/unstructured"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// BenchmarkConvert converts a Deployment held as a map, as kdyn's cache
// holds it, into an *appsv1.Deployment three ways: Decode; apimachinery's
// DefaultUnstructuredConverter; and encoding the map as JSON again for
// typed's compiled JSON decoder. decode-json is that decoder alone, from
// the JSON the map was decoded from, for reference.
func BenchmarkConvert(b *testing.B) {
	data, err := os.ReadFile("testdata/deployment.json")
	if err != nil {
		b.Fatal(err)
	}
	v, err := kunstructured.DecodeValue(data)
	if err != nil {
		b.Fatal(err)
	}
	m := v.(map[string]any)
	var d Decoder
	ways := []struct {
		name    string
		convert func(*appsv1.Deployment) error
	}{
		{"mapdec", func(out *appsv1.Deployment) error { return d.Decode(m, out) }},
		{"DefaultUnstructuredConverter", func(out *appsv1.Deployment) error {
			return runtime.DefaultUnstructuredConverter.FromUnstructured(m, out)
		}},
		{"json-again+jsondec", func(out *appsv1.Deployment) error {
			again, err := json.Marshal(m)
			if err != nil {
				return err
			}
			return jsondec.Unmarshal(again, out)
		}},
		{"decode-json", func(out *appsv1.Deployment) error { return jsondec.Unmarshal(data, out) }},
	}
	for _, w := range ways {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := w.convert(&appsv1.Deployment{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
