package bench

import (
	"testing"

	"github.com/kdyn/kdyn/fixture"
)

// BenchmarkColdMapping is a program's first RESTMapping of a CRD kind: new
// clients with each library's default settings against a cluster of 200 CRD
// groups, served with aggregated discovery (2 documents) or only legacy
// discovery (one document per group-version), as servers before 1.26 do.
// ns/op is the wall time of the first answer.
func BenchmarkColdMapping(b *testing.B) {
	views := []struct {
		name string
		opts []fixture.Option
	}{
		{"aggregated", nil},
		{"legacy", []fixture.Option{fixture.WithoutAggregated()}},
	}
	groups := groupsFor(200)
	t := targetOf(groups)
	for _, v := range views {
		srv := serve(b, groups, v.opts...)
		for _, name := range peers {
			b.Run(v.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				before := srv.Stats()
				for b.Loop() {
					m, err := newMapper(b, name, srv).RESTMapping(t.gk)
					t.check(b, m, err)
				}
				reportRequests(b, srv, before)
			})
		}
	}
}
