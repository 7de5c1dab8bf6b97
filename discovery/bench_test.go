package discovery

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

// BenchmarkResourcesWarm is the mapper's steady state: a cached answer.
func BenchmarkResourcesWarm(b *testing.B) {
	srv := fixture.NewServer(fixture.Synthetic(200, 5))
	b.Cleanup(srv.Close)
	c, err := NewForConfig(srv.Config(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.rc.CloseIdleConnections)
	ctx := context.Background()
	gv := schema.GroupVersion{Group: "group100.example.com", Version: "v1"}
	if _, err := c.Resources(ctx, gv); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Resources(ctx, gv); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLegacyCold is a cold GroupsAndResources with legacy discovery:
// one request per group-version, each published into the snapshot.
//
//	go test -run '^$' -bench LegacyCold -benchtime 1x ./discovery/
func BenchmarkLegacyCold(b *testing.B) {
	for _, groups := range []int{1000, 10000, 30000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			cfg, _ := legacyConfig(b, groups)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c, err := NewForConfig(cfg, Options{})
				if err != nil {
					b.Fatal(err)
				}
				_, lists, err := c.GroupsAndResources(ctx)
				if err != nil || len(lists) != 2*groups+2 {
					b.Fatalf("%d lists, %v", len(lists), err)
				}
			}
		})
	}
}
