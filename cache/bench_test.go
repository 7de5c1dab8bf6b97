package cache

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// newBenchStore is a store of n detached objects, a third of them tier=web.
func newBenchStore(b *testing.B, n int) *store[*unstructured.Unstructured] {
	s := newStore[*unstructured.Unstructured]()
	d := newDetacher(false)
	for i := range n {
		obj := d.detach(decode(b, object(fmt.Sprintf("w%05d", i), 0)))
		obj.Object["metadata"].(map[string]any)["labels"].(map[string]any)["tier"] = []string{"web", "cache", "db"}[i%3]
		s.put(keyOf(obj), nil, obj, 1, nil, nil)
	}
	return s
}

// BenchmarkStoreRead: Get, List and List by label over 10,000 objects.
func BenchmarkStoreRead(b *testing.B) {
	s := newBenchStore(b, 10000)
	web := labels.SelectorFromSet(labels.Set{"tier": "web"})
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		k := objKey{ns: "shop", name: "w04242"}
		for b.Loop() {
			if _, ok := s.get(k); !ok {
				b.Fatal("missing")
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = s.list(nil)
		}
	})
	b.Run("list-selector", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := len(s.list(web)); n != 3334 {
				b.Fatalf("%d objects", n)
			}
		}
	})
}
