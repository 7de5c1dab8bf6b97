package discovery

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
)

func TestInternerSharesEqualValues(t *testing.T) {
	in := newInterner()
	a := in.list([]string{"get", "list"})
	b := in.list([]string{"get", "list"})
	assert.Equal(t, []string{"get", "list"}, b)
	assert.Same(t, &a[0], &b[0], "equal lists share one backing array")
	assert.Same(t, unsafe.StringData(a[0]), unsafe.StringData(in.str(string([]byte("get")))), "elements are interned")
	assert.Equal(t, cap(a), len(a), "interned lists are allocated at their size")
}

func TestInternerKeepsDistinctValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []string
	}{
		{"separator inside a name", []string{"a\x00b"}, []string{"a", "b"}},
		{"order", []string{"a", "b"}, []string{"b", "a"}},
		{"prefix", []string{"a"}, []string{"a", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newInterner()
			assert.Equal(t, tc.a, in.list(tc.a))
			assert.Equal(t, tc.b, in.list(tc.b))
			assert.Equal(t, tc.a, in.list(tc.a))
		})
	}
}

func TestInternerKeepsNilAndEmpty(t *testing.T) {
	in := newInterner()
	assert.Nil(t, in.list(nil))
	assert.NotNil(t, in.list([]string{}))
	assert.Empty(t, in.list([]string{}))
	assert.Equal(t, "", in.str(""))
}

// TestLegacyResourceListIsInterned checks that a legacy group-version
// document, as Resources fetches it, keeps one copy of each verbs list and
// kind, as aggregated documents do, and no room to grow.
func TestLegacyResourceListIsInterned(t *testing.T) {
	c, _ := newTestServer(t, loadCluster(t, "k8s-1.37"), Options{}, fixture.WithoutAggregated())
	list, err := c.Resources(context.Background(), schema.GroupVersion{Version: "v1"})
	require.NoError(t, err)
	rs := list.APIResources
	assert.Equal(t, cap(rs), len(rs), "the list is allocated at its size")

	first := map[string]metav1.APIResource{}
	shared := 0
	for _, r := range rs {
		if len(r.Verbs) == 0 {
			continue
		}
		key := strings.Join(r.Verbs, ",")
		f, seen := first[key]
		if !seen {
			first[key] = r
			continue
		}
		assert.Same(t, &f.Verbs[0], &r.Verbs[0], "verbs of %s and %s share one backing array", f.Name, r.Name)
		shared++
	}
	assert.Greater(t, shared, 10, "the core group repeats verbs lists")

	kinds := map[string]string{}
	for _, r := range rs {
		if k, ok := kinds[r.Kind]; ok {
			assert.Same(t, unsafe.StringData(k), unsafe.StringData(r.Kind), "kind %s of %s is shared", r.Kind, r.Name)
		}
		kinds[r.Kind] = r.Kind
	}
}

func TestParseResourceListKeepsNilAndEmpty(t *testing.T) {
	list, err := parseResourceList([]byte(`{"resources":[{"name":"a","kind":"A","verbs":[]},{"name":"b","kind":"B","shortNames":["b"]}]}`),
		schema.GroupVersion{Version: "v1"})
	require.NoError(t, err)
	assert.NotNil(t, list.APIResources[0].Verbs)
	assert.Empty(t, list.APIResources[0].Verbs)
	assert.Nil(t, list.APIResources[0].ShortNames)
	assert.Nil(t, list.APIResources[1].Verbs)
	assert.Equal(t, []string{"b"}, list.APIResources[1].ShortNames)
}
