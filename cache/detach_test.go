package cache

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kun "github.com/kdyn/kdyn/unstructured"

	"github.com/kdyn/kdyn/internal/jsontree"
)

// object is a custom resource as the API server sends it, with
// managedFields; pad makes one of its fields long.
func object(name string, pad int) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":%q,"namespace":"shop",
"uid":"0b7f5e2a-93c1-4d2e-a6b8-%012d","resourceVersion":"%d","labels":{"app":"shop","tier":"web"},
"managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"example.com/v1","time":"2026-11-27T09:00:00Z",
"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{".":{},"f:size":{},"f:note":{}}}}]},
"spec":{"size":3,"ratio":0.5,"on":true,"none":null,"ports":[80,443],"note":%q},
"status":{"conditions":[{"type":"Ready","status":"True"}]}}`, name, len(name), 1000+len(name), strings.Repeat("x", pad))
}

func decode(t testing.TB, data []byte) *unstructured.Unstructured {
	t.Helper()
	u, err := kun.DecodeObject(data)
	require.NoError(t, err)
	return u
}

// strings calls f for every map key and string value in v.
func eachString(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case map[string]any:
		for k, e := range x {
			f(k)
			eachString(e, f)
		}
	case []any:
		for _, e := range x {
			eachString(e, f)
		}
	}
}

// TestDetachEqual: the detached object keeps the decoded values, and none
// of its strings shares memory with the decoded document.
func TestDetachEqual(t *testing.T) {
	for _, keep := range []bool{false, true} {
		data := object("w1", 100)
		want := decode(t, data)
		src := decode(t, data)
		decoded := map[*byte]bool{}
		eachString(src.Object, func(s string) { decoded[unsafe.StringData(s)] = true })
		got := newDetacher(keep).detach(src)
		assert.Equal(t, want.Object, got.Object)
		eachString(got.Object, func(s string) {
			assert.False(t, decoded[unsafe.StringData(s)], "%q shares the decoded document", s)
		})
	}
}

// TestDetachReleasesTheBuffer: a stored object does not keep the document
// it was decoded from: a 1 MB document, whose managedFields and one long
// field the transform drops, leaves a few KB behind.
func TestDetachReleasesTheBuffer(t *testing.T) {
	d := newDetacher(false)
	keep := make([]*unstructured.Unstructured, 20)
	before := liveHeap()
	for i := range keep {
		u := decode(t, object(fmt.Sprintf("w%d", i), 1<<20))
		delete(u.Object["metadata"].(map[string]any), "managedFields")
		delete(u.Object["spec"].(map[string]any), "note")
		keep[i] = d.detach(u)
	}
	grew := int64(liveHeap()) - int64(before)
	runtime.KeepAlive(keep)
	assert.Less(t, grew, int64(20*8<<10), "20 detached objects hold %d bytes; their documents were 20 MB", grew)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestDetachShares: objects share their keys and repeated short values;
// with managedFields kept, equal fieldsV1 trees are one tree.
func TestDetachShares(t *testing.T) {
	d := newDetacher(true)
	a := d.detach(decode(t, object("a", 0)))
	b := d.detach(decode(t, object("b", 0)))
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	keyOf := func(m map[string]any, k string) string {
		for key := range m {
			if key == k {
				return key
			}
		}
		return ""
	}
	assert.True(t, same(keyOf(a.Object, "apiVersion"), keyOf(b.Object, "apiVersion")), "keys")
	assert.True(t, same(a.GetAPIVersion(), b.GetAPIVersion()), "apiVersion")
	assert.True(t, same(a.GetNamespace(), b.GetNamespace()), "namespace")
	assert.True(t, same(a.GetLabels()["tier"], b.GetLabels()["tier"]), "label values")
	assert.False(t, same(string(a.GetUID()), string(b.GetUID())))

	fields := func(u *unstructured.Unstructured) uintptr {
		mf := u.Object["metadata"].(map[string]any)["managedFields"].([]any)
		return reflect.ValueOf(mf[0].(map[string]any)["fieldsV1"]).Pointer()
	}
	assert.Equal(t, fields(a), fields(b), "one fieldsV1 tree for both")
	other := decode(t, object("c", 0))
	other.Object["metadata"].(map[string]any)["managedFields"].([]any)[0].(map[string]any)["fieldsV1"].(map[string]any)["f:status"] = map[string]any{}
	c := d.detach(other)
	assert.NotEqual(t, fields(a), fields(c), "a different tree is not shared")
	assert.Contains(t, c.GetManagedFields()[0].FieldsV1.String(), "f:status")
}

// TestInternerKeepsHotStrings: strings every object repeats stay interned
// while many strings seen once pass through the table.
func TestInternerKeepsHotStrings(t *testing.T) {
	var in interner
	first := in.value("Ready").(string)
	for i := range 10 * internSlots {
		in.value(fmt.Sprintf("v%d", i))
		if i%100 == 0 {
			in.value("Ready")
		}
	}
	again := in.value("Ready").(string)
	assert.Equal(t, unsafe.StringData(first), unsafe.StringData(again))
	long := strings.Repeat("y", maxInternLen+1)
	assert.Equal(t, long, in.value(long))
}

func TestHashAndEqual(t *testing.T) {
	a := map[string]any{"x": []any{int64(1), "s", 1.5, true, nil}, "y": map[string]any{}}
	b := map[string]any{"y": map[string]any{}, "x": []any{int64(1), "s", 1.5, true, nil}}
	assert.Equal(t, hashValue(a), hashValue(b))
	assert.True(t, jsontree.Equal(a, b))
	for _, c := range []map[string]any{
		{"x": []any{int64(2), "s", 1.5, true, nil}, "y": map[string]any{}},
		{"x": []any{int64(1), "s", 1.5, true}, "y": map[string]any{}},
		{"x": []any{int64(1), "s", 1.5, true, nil}, "z": map[string]any{}},
		{"x": []any{int64(1), "s", 1.5, true, nil}},
	} {
		assert.False(t, jsontree.Equal(a, c), "%v", c)
	}
	assert.False(t, jsontree.Equal(map[string]string{}, map[string]string{}), "types a decoder does not make are never shared")
}
