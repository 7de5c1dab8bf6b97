package cache

import (
	"bytes"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// metaDetacher prepares the metadata a MetadataInformer keeps: a copy of
// the decoded PartialObjectMetadata of its own (a list's items share one
// array, which a stored object must not pin), with the apiVersion and kind
// of the informer's kind, without managedFields unless they are kept, and
// sharing with the objects before it what repeats:
//   - short strings (namespaces, label keys and values, annotation keys,
//     finalizers, owners' kinds) interned per informer, map keys
//     process-wide; a label value equal to the object's name is the name;
//   - equal label and annotation maps, owner reference and finalizer lists
//     are one: the pods of a ReplicaSet have the same labels and owner, a
//     Helm release's Secrets the same labels;
//   - with managedFields kept, equal fieldsV1 are one.
//
// The decoded strings are copies of their own already (the generated
// protobuf code and dynamic's metadata JSON decoding allocate each one),
// so nothing is detached from a buffer here. Stored objects are read-only (see the package doc), which
// is what makes sharing safe. Not safe for concurrent use: each informer's
// reflector owns one.
type metaDetacher struct {
	typeMeta metav1.TypeMeta
	keepMF   bool

	in                  interner
	labels, annotations shareSet[map[string]string]
	owners              shareSet[[]metav1.OwnerReference]
	finalizers          shareSet[[]string]
	fields              shareSet[*metav1.FieldsV1]
}

func newMetaDetacher(keepManagedFields bool) *metaDetacher {
	return &metaDetacher{keepMF: keepManagedFields}
}

// setKind sets the apiVersion and kind the objects get: the kind as the
// mapper found it.
func (d *metaDetacher) setKind(gvk schema.GroupVersionKind) {
	d.typeMeta = metav1.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}
}

func (d *metaDetacher) prepare(in *metav1.PartialObjectMetadata) (*metav1.PartialObjectMetadata, error) {
	out := &metav1.PartialObjectMetadata{TypeMeta: d.typeMeta, ObjectMeta: in.ObjectMeta}
	m := &out.ObjectMeta
	m.Namespace = d.in.str(m.Namespace)
	m.GenerateName = d.in.str(m.GenerateName)
	m.Labels = d.stringMap(&d.labels, m.Labels, m.Name)
	m.Annotations = d.stringMap(&d.annotations, m.Annotations, m.Name)
	m.OwnerReferences = d.ownerReferences(m.OwnerReferences)
	m.Finalizers = d.finalizerList(m.Finalizers)
	if d.keepMF {
		m.ManagedFields = d.managedFields(m.ManagedFields)
	} else {
		m.ManagedFields = nil
	}
	return out, nil
}

// stringMap returns a kept map equal to m, or m with its strings interned.
func (d *metaDetacher) stringMap(set *shareSet[map[string]string], m map[string]string, name string) map[string]string {
	if len(m) == 0 {
		return m
	}
	h := hashStringMap(m)
	if kept, ok := set.find(h, m, maps.Equal); ok {
		return kept
	}
	for k, v := range m {
		if v == name {
			v = name
		} else {
			v = d.in.str(v)
		}
		m[d.in.key(k)] = v // replaces the key too: see detacher
	}
	set.keep(h, m)
	return m
}

func (d *metaDetacher) ownerReferences(l []metav1.OwnerReference) []metav1.OwnerReference {
	if len(l) == 0 {
		return l
	}
	h := hashOwners(l)
	if kept, ok := d.owners.find(h, l, equalOwners); ok {
		return kept
	}
	for i := range l {
		l[i].APIVersion, l[i].Kind = d.in.str(l[i].APIVersion), d.in.str(l[i].Kind)
	}
	d.owners.keep(h, l)
	return l
}

func (d *metaDetacher) finalizerList(l []string) []string {
	if len(l) == 0 {
		return l
	}
	h := hashStrings(l)
	if kept, ok := d.finalizers.find(h, l, slices.Equal); ok {
		return kept
	}
	for i, f := range l {
		l[i] = d.in.str(f)
	}
	d.finalizers.keep(h, l)
	return l
}

func (d *metaDetacher) managedFields(l []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	for i := range l {
		e := &l[i]
		e.Manager, e.APIVersion = d.in.str(e.Manager), d.in.str(e.APIVersion)
		e.Operation = metav1.ManagedFieldsOperationType(d.in.str(string(e.Operation)))
		e.FieldsType, e.Subresource = d.in.str(e.FieldsType), d.in.str(e.Subresource)
		if e.FieldsV1 != nil {
			h := hashBytes(e.FieldsV1.GetRawBytes())
			if kept, ok := d.fields.find(h, e.FieldsV1, equalFields); ok {
				e.FieldsV1 = kept
			} else {
				d.fields.keep(h, e.FieldsV1)
			}
		}
	}
	return l
}

func equalFields(a, b *metav1.FieldsV1) bool { return bytes.Equal(a.GetRawBytes(), b.GetRawBytes()) }

func equalOwners(a, b []metav1.OwnerReference) bool {
	return slices.EqualFunc(a, b, func(x, y metav1.OwnerReference) bool {
		return x.APIVersion == y.APIVersion && x.Kind == y.Kind && x.Name == y.Name && x.UID == y.UID &&
			equalBool(x.Controller, y.Controller) && equalBool(x.BlockOwnerDeletion, y.BlockOwnerDeletion)
	})
}

func equalBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
