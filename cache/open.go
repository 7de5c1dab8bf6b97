package cache

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// opener returns where an informer reads its objects from and how it
// prepares them, for the resource its kind maps to. The informer's
// goroutine calls it each time it finds its kind.
type opener[T Object] func(resolvedKind) (source[T], preparer[T])

// openWhole reads whole objects, through a client that does not even
// decode managedFields unless they are kept.
func (c *Cache) openWhole(opts InformerOptions) opener[*unstructured.Unstructured] {
	prep := newUnstructuredPrep(opts)
	client := c.lean
	if opts.KeepManagedFields {
		client = c.dyn
	}
	return func(r resolvedKind) (source[*unstructured.Unstructured], preparer[*unstructured.Unstructured]) {
		ri := client.Resource(r.gvr)
		if r.namespace == "" {
			return wholeSource{ri}, prep
		}
		return wholeSource{ri.Namespace(r.namespace)}, prep
	}
}

// openMetadataAsObjects reads metadata only and keeps it as unstructured
// objects, prepared as whole objects are.
func (c *Cache) openMetadataAsObjects(opts InformerOptions) opener[*unstructured.Unstructured] {
	prep := newUnstructuredPrep(opts)
	return func(r resolvedKind) (source[*unstructured.Unstructured], preparer[*unstructured.Unstructured]) {
		return metadataAsUnstructured{md: c.metadataSource(r), apiVersion: r.gvk.GroupVersion().String(), kind: r.gvk.Kind,
			keepManagedFields: opts.KeepManagedFields}, prep
	}
}

// openMetadata reads metadata only and keeps it as PartialObjectMetadata.
func (c *Cache) openMetadata(opts InformerOptions) opener[*metav1.PartialObjectMetadata] {
	d := newMetaDetacher(opts.KeepManagedFields)
	return func(r resolvedKind) (source[*metav1.PartialObjectMetadata], preparer[*metav1.PartialObjectMetadata]) {
		d.setKind(r.gvk)
		return c.metadataSource(r), d
	}
}

// metadataSource reads r through the metadata-only mode of the Cache's
// client: PartialObjectMetadata in protobuf, else JSON.
func (c *Cache) metadataSource(r resolvedKind) metadataSource {
	md := c.dyn.Metadata().Resource(r.gvr)
	if r.namespace == "" {
		return metadataSource{md}
	}
	return metadataSource{md.Namespace(r.namespace)}
}
