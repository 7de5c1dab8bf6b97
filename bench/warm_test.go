package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kdiscovery "github.com/kdyn/kdyn/discovery"
)

// BenchmarkWarmLookup is the per-reconcile question "which resource serves
// this kind?" once the mapper is loaded: RESTMapping, ResourceFor (no
// version), KindFor and name expansion (a short name, as kubectl takes it),
// at 200 and 1,000 CRD groups. requests/op shows that no lookup goes to the
// server.
func BenchmarkWarmLookup(b *testing.B) {
	for _, n := range []int{200, 1000} {
		groups := groupsFor(n)
		srv := serve(b, groups)
		t := targetOf(groups)
		ops := lookupOps(t)
		for _, name := range peers {
			m := newMapper(b, name, srv)
			warm(b, m, t)
			for _, op := range ops {
				b.Run(fmt.Sprintf("%s/groups=%d/%s", op.name, groups, name), func(b *testing.B) {
					b.ReportAllocs()
					before, cpu := srv.Stats(), cpuTime()
					for b.Loop() {
						if err := op.run(m); err != nil {
							b.Fatal(err)
						}
					}
					reportCPU(b, cpu)
					reportRequests(b, srv, before)
				})
			}
		}
		// kubectl's name expansion: kdyn's Expand against client-go's
		// shortcut expander; controller-runtime has none.
		km := kdynMapper(b, srv, kdiscovery.Options{})
		cg := clientGoExpander(b, srv)
		warm(b, km, t)
		warm(b, cg, t)
		expand := map[string]func() (schema.GroupVersionResource, error){
			"kdyn": func() (schema.GroupVersionResource, error) {
				e, ok := any(km).(expander)
				if !ok {
					return schema.GroupVersionResource{}, errNoExpand
				}
				rs, err := e.Expand(context.Background(), t.short)
				if err != nil || len(rs) != 1 {
					return schema.GroupVersionResource{}, fmt.Errorf("expand %s: %v %w", t.short, rs, err)
				}
				return rs[0], nil
			},
			"client-go": func() (schema.GroupVersionResource, error) {
				return cg.ResourceFor(schema.GroupVersionResource{Resource: t.short})
			},
		}
		for _, name := range peers[:2] {
			b.Run(fmt.Sprintf("Expand/groups=%d/%s", groups, name), func(b *testing.B) {
				b.ReportAllocs()
				if _, err := expand[name](); errors.Is(err, errNoExpand) {
					b.Skip(err)
				}
				before, cpu := srv.Stats(), cpuTime()
				for b.Loop() {
					r, err := expand[name]()
					if err != nil || r.GroupResource() != t.gvr.GroupResource() {
						b.Fatalf("expand %s: got %v, %v", t.short, r, err)
					}
				}
				reportCPU(b, cpu)
				reportRequests(b, srv, before)
			})
		}
	}
}

// expander is restmapper.Mapper's name expansion, asserted at run time
// because it has not landed in every tree this module builds against.
type expander interface {
	Expand(ctx context.Context, arg string) ([]schema.GroupVersionResource, error)
}

var errNoExpand = errors.New("restmapper.Mapper has no Expand method yet")

// lookupOp is one warm question with its expected answer checked.
type lookupOp struct {
	name string
	run  func(meta.RESTMapper) error
}

func lookupOps(t target) []lookupOp {
	return []lookupOp{
		{"RESTMapping", func(m meta.RESTMapper) error {
			r, err := m.RESTMapping(t.gk)
			if err == nil && r.Resource != t.gvr {
				err = fmt.Errorf("RESTMapping %v: got %v", t.gk, r.Resource)
			}
			return err
		}},
		{"ResourceFor", func(m meta.RESTMapper) error {
			in := schema.GroupVersionResource{Group: t.gvr.Group, Resource: t.gvr.Resource}
			r, err := m.ResourceFor(in)
			if err == nil && r != t.gvr {
				err = fmt.Errorf("ResourceFor %v: got %v", in, r)
			}
			return err
		}},
		{"KindFor", func(m meta.RESTMapper) error {
			k, err := m.KindFor(t.gvr)
			if err == nil && k.GroupKind() != t.gk {
				err = fmt.Errorf("KindFor %v: got %v", t.gvr, k)
			}
			return err
		}},
	}
}

// warm makes m load what the lookups need.
func warm(tb testing.TB, m meta.RESTMapper, t target) {
	tb.Helper()
	mp, err := m.RESTMapping(t.gk)
	t.check(tb, mp, err)
}
