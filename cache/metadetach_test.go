package cache

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// decodedMeta is the metadata of widget i as the metadata client decodes
// it: every string, map and slice its own.
func decodedMeta(i int) *metav1.PartialObjectMetadata {
	name := fmt.Sprintf("w%04d", i)
	yes := true
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: fmt.Sprint("team-", i%3), UID: types.UID(fmt.Sprintf("0b7f5e2a-93c1-4d2e-a6b8-%012d", i)),
		ResourceVersion: fmt.Sprint(1000 + i), Generation: 2,
		CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 27, 9, 0, i%60, 0, time.UTC)),
		Labels:            map[string]string{"app": strings.Clone("shop"), "instance": fmt.Sprint(name), "tier": fmt.Sprint([]string{"web", "db"}[i%2])},
		Annotations:       map[string]string{"revision": fmt.Sprint(i % 3)},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: strings.Clone("apps/v1"), Kind: strings.Clone("ReplicaSet"),
			Name: fmt.Sprint("web-", i%2), UID: types.UID(fmt.Sprint("rs-", i%2)), Controller: &yes}},
		Finalizers: []string{strings.Clone("example.com/keep")},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: strings.Clone("kubectl"), Operation: metav1.ManagedFieldsOperationApply,
			APIVersion: strings.Clone("example.com/v1"), FieldsType: strings.Clone("FieldsV1"),
			FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:tier":{}}}}`)}},
	}}
}

var widgetKind = schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}

// TestMetaDetachEqual: what the store keeps equals what was decoded, with
// the informer's kind, less managedFields unless they are kept; it is a
// copy, not the decoded item (a page's array element).
func TestMetaDetachEqual(t *testing.T) {
	for _, keep := range []bool{false, true} {
		d := newMetaDetacher(keep)
		d.setKind(widgetKind)
		for i := range 300 {
			page := []metav1.PartialObjectMetadata{*decodedMeta(i)}
			want := decodedMeta(i).ObjectMeta
			if !keep {
				want.ManagedFields = nil
			}
			got, err := d.prepare(&page[0])
			require.NoError(t, err)
			assert.NotSame(t, &page[0], got)
			assert.Equal(t, metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Widget"}, got.TypeMeta)
			assert.True(t, equality.Semantic.DeepEqual(want, got.ObjectMeta), "keep %v, object %d:\nwant %+v\ngot  %+v", keep, i, want, got.ObjectMeta)
		}
	}
}

// TestMetaDetachShares: objects share their repeated strings and their
// equal maps and lists; an object's instance label is its name.
func TestMetaDetachShares(t *testing.T) {
	d := newMetaDetacher(true)
	d.setKind(widgetKind)
	var objs []*metav1.PartialObjectMetadata
	for i := range 12 {
		o, err := d.prepare(decodedMeta(i))
		require.NoError(t, err)
		objs = append(objs, o)
	}
	a, b, c := objs[0], objs[6], objs[1] // a and b alike but for their name
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	ptr := func(v any) uintptr { return reflect.ValueOf(v).Pointer() }
	assert.True(t, same(a.Namespace, b.Namespace), "namespace")
	assert.True(t, same(a.Labels["tier"], b.Labels["tier"]), "label values")
	assert.True(t, same(a.Labels["instance"], a.Name), "the instance label is the name")
	assert.True(t, same(a.APIVersion, c.APIVersion), "apiVersion")
	assert.Equal(t, ptr(a.Annotations), ptr(b.Annotations), "equal annotations are one map")
	assert.NotEqual(t, ptr(a.Annotations), ptr(c.Annotations), "unequal ones are not")
	assert.NotEqual(t, ptr(a.Labels), ptr(b.Labels), "labels with the name differ")
	assert.Equal(t, ptr(a.OwnerReferences), ptr(b.OwnerReferences), "the same owner")
	assert.NotEqual(t, ptr(a.OwnerReferences), ptr(c.OwnerReferences), "another owner")
	assert.Equal(t, ptr(a.Finalizers), ptr(c.Finalizers), "finalizers")
	assert.Same(t, a.ManagedFields[0].FieldsV1, c.ManagedFields[0].FieldsV1, "equal fieldsV1")
	for k := range a.Labels {
		for k2 := range c.Labels {
			if k == k2 {
				assert.True(t, same(k, k2), "label key %q", k)
			}
		}
	}
}

// TestMetaDetachDistinct: of many different maps and lists, each object
// keeps one equal to its own, whatever the hash table holds.
func TestMetaDetachDistinct(t *testing.T) {
	d := newMetaDetacher(false)
	for i := range 5000 {
		in := decodedMeta(i)
		in.Annotations = map[string]string{"a": fmt.Sprint(i % 700), "b": fmt.Sprint(i % 11)}
		in.Finalizers = []string{fmt.Sprint("f", i%300)}
		want := *in.ObjectMeta.DeepCopy()
		want.ManagedFields = nil
		got, err := d.prepare(in)
		require.NoError(t, err)
		if !equality.Semantic.DeepEqual(want, got.ObjectMeta) {
			t.Fatalf("object %d: want %+v, got %+v", i, want, got.ObjectMeta)
		}
	}
}
