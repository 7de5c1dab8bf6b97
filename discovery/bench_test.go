package discovery

import (
	"context"
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
