package bench

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

// TestSameAnswers checks that the mappers the benchmarks compare answer the
// same questions alike, so that the speed compared is for the same work:
// kdyn against client-go on every lookup of the workloads, full and partial,
// and controller-runtime on the ones the workloads time.
func TestSameAnswers(t *testing.T) {
	views := map[string][]fixture.Option{"aggregated": nil, "legacy": {fixture.WithoutAggregated()}}
	for view, opts := range views {
		t.Run(view, func(t *testing.T) {
			srv := fixture.NewServer(fixture.Synthetic(6, kindsPerGroup), opts...)
			t.Cleanup(srv.Close)
			k, cg, cr := newMapper(t, "kdyn", srv), newMapper(t, "client-go", srv), newMapper(t, "controller-runtime", srv)
			for _, q := range questions(6) {
				want, wantErr := q.ask(cg)
				got, gotErr := q.ask(k)
				assert.Equal(t, want, got, "kdyn %s", q.name)
				sameError(t, wantErr, gotErr, "kdyn "+q.name)
				if q.timed {
					got, gotErr = q.ask(cr)
					assert.Equal(t, want, got, "controller-runtime %s", q.name)
					sameError(t, wantErr, gotErr, "controller-runtime "+q.name)
				}
			}
		})
	}
}

func sameError(t *testing.T, want, got error, what string) {
	t.Helper()
	if want == nil || got == nil {
		assert.Equal(t, want == nil, got == nil, "%s: error %v, want %v", what, got, want)
		return
	}
	assert.Equal(t, meta.IsNoMatchError(want), meta.IsNoMatchError(got), "%s: error %v, want %v", what, got, want)
	assert.Equal(t, meta.IsAmbiguousError(want), meta.IsAmbiguousError(got), "%s: error %v, want %v", what, got, want)
}

// question is one lookup with a comparable answer.
type question struct {
	name  string
	timed bool // one of the lookups the benchmarks time
	ask   func(meta.RESTMapper) (any, error)
}

func questions(groups int) []question {
	var qs []question
	for g := range groups + 1 { // one group past the last: misses
		group := fmt.Sprintf("group%03d.example.com", g)
		for k := range kindsPerGroup {
			kind, plural := fmt.Sprintf("Widget%03d", k), fmt.Sprintf("widget%03ds", k)
			gk := schema.GroupKind{Group: group, Kind: kind}
			full := schema.GroupVersionResource{Group: group, Version: "v1beta1", Resource: plural}
			qs = append(qs,
				mappingQ(gk, true), mappingQ(gk, false, "v1beta1"), mappingQ(gk, false, "v2"),
				resourceQ(schema.GroupVersionResource{Group: group, Resource: plural}, true),
				resourceQ(schema.GroupVersionResource{Resource: plural}, false),
				resourceQ(schema.GroupVersionResource{Group: group, Resource: plural[:len(plural)-1]}, false),
				kindQ(full, true), kindQ(schema.GroupVersionResource{Group: group, Resource: plural}, false),
			)
		}
	}
	return append(qs, mappingQ(schema.GroupKind{Kind: "ConfigMap"}, true), resourceQ(schema.GroupVersionResource{Resource: "namespaces"}, true))
}

func mappingQ(gk schema.GroupKind, timed bool, versions ...string) question {
	return question{fmt.Sprintf("RESTMapping(%v, %v)", gk, versions), timed && len(versions) == 0, func(m meta.RESTMapper) (any, error) {
		r, err := m.RESTMapping(gk, versions...)
		if err != nil {
			return nil, err
		}
		return [3]any{r.Resource, r.GroupVersionKind, r.Scope.Name()}, nil
	}}
}

func resourceQ(in schema.GroupVersionResource, timed bool) question {
	return question{fmt.Sprintf("ResourceFor(%v)", in), timed, func(m meta.RESTMapper) (any, error) {
		r, err := m.ResourceFor(in)
		if err != nil {
			return nil, err
		}
		rs, err := m.ResourcesFor(in)
		return [2]any{r, rs}, err
	}}
}

func kindQ(in schema.GroupVersionResource, timed bool) question {
	return question{fmt.Sprintf("KindFor(%v)", in), timed, func(m meta.RESTMapper) (any, error) {
		k, err := m.KindFor(in)
		if err != nil {
			return nil, err
		}
		ks, err := m.KindsFor(in)
		return [2]any{k, ks}, err
	}}
}
