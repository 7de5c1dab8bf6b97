package restmapper

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// warmMapper returns a mapper over a synthetic cluster of n CRD groups with
// every group loaded.
func warmMapper(b *testing.B, n int) (*Mapper, schema.GroupKind, schema.GroupVersionResource) {
	m := New(synthetic(n, 5), Options{})
	gk := schema.GroupKind{Group: fmt.Sprintf("g%d.example.com", n/2), Kind: "Widget3"}
	gvr := schema.GroupVersionResource{Group: gk.Group, Version: "v1", Resource: "widget3s"}
	_, err := m.ResourcesForWithContext(context.Background(), schema.GroupVersionResource{Resource: "widget3s"})
	require.NoError(b, err)
	return m, gk, gvr
}

func BenchmarkWarm(b *testing.B) {
	for _, n := range []int{200, 1000} {
		m, gk, gvr := warmMapper(b, n)
		b.Run(fmt.Sprintf("RESTMapping/groups=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.RESTMapping(gk); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ResourceFor/groups=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.ResourceFor(gvr); err != nil {
					b.Fatal(err)
				}
			}
		})
		groupResource := schema.GroupVersionResource{Group: gvr.Group, Resource: "widget3"}
		b.Run(fmt.Sprintf("ResourceFor-group-singular/groups=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.ResourceFor(groupResource); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("KindFor-resource-only/groups=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.KindFor(schema.GroupVersionResource{Resource: "pods"}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("RESTMapping-parallel/groups=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32) // 64 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.RESTMapping(gk); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestWarmLookupsAllocateNothing keeps the hot path allocation-free.
func TestWarmLookupsAllocateNothing(t *testing.T) {
	m := New(synthetic(50, 5), Options{})
	ctx := context.Background()
	gk := schema.GroupKind{Group: "g7.example.com", Kind: "Widget3"}
	_, err := m.ResourcesForWithContext(ctx, schema.GroupVersionResource{Resource: "widget3s"})
	require.NoError(t, err)
	for name, lookup := range map[string]func(){
		"RESTMapping":         func() { _, _ = m.RESTMapping(gk) },
		"RESTMapping version": func() { _, _ = m.RESTMapping(gk, "v1beta1") },
		"ResourceFor": func() {
			_, _ = m.ResourceFor(schema.GroupVersionResource{Group: gk.Group, Version: "v1", Resource: "widget3s"})
		},
		"ResourceFor group": func() { _, _ = m.ResourceFor(schema.GroupVersionResource{Group: gk.Group, Resource: "widget3"}) },
		"ResourceFor name":  func() { _, _ = m.ResourceFor(schema.GroupVersionResource{Resource: "pods"}) },
		"KindFor":           func() { _, _ = m.KindFor(schema.GroupVersionResource{Resource: "pods"}) },
	} {
		t.Run(name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(100, lookup))
		})
	}
}

// BenchmarkMiss is a misspelt kind looked up in a loop: answered from the
// negative cache, with no discovery call after the first.
func BenchmarkMiss(b *testing.B) {
	m, gk, _ := warmMapper(b, 200)
	gk.Kind += "z"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.RESTMapping(gk); err == nil {
			b.Fatal("found a misspelt kind")
		}
	}
}
