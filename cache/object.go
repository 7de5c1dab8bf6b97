package cache

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// Object is the type of the objects an informer holds: whole objects as
// *unstructured.Unstructured (an Informer), or their metadata alone as
// *metav1.PartialObjectMetadata (a MetadataInformer).
type Object interface {
	*unstructured.Unstructured | *metav1.PartialObjectMetadata
}

// The accessors below read what the informer needs of either type without
// allocating: an unstructured object's metadata is read in place, where
// its Get methods would copy maps. A type switch on a pointer in an
// interface costs no allocation.

func keyOf[T Object](obj T) objKey {
	switch o := any(obj).(type) {
	case *unstructured.Unstructured:
		return objKey{ns: metaString(o.Object, "namespace"), name: metaString(o.Object, "name")}
	case *metav1.PartialObjectMetadata:
		return objKey{ns: o.Namespace, name: o.Name}
	}
	return objKey{}
}

func versionOf[T Object](obj T) string {
	switch o := any(obj).(type) {
	case *unstructured.Unstructured:
		return metaString(o.Object, "resourceVersion")
	case *metav1.PartialObjectMetadata:
		return o.ResourceVersion
	}
	return ""
}

// annotationOf reads one annotation.
func annotationOf[T Object](obj T, key string) string {
	switch o := any(obj).(type) {
	case *unstructured.Unstructured:
		md, _ := o.Object["metadata"].(map[string]any)
		a, _ := md["annotations"].(map[string]any)
		s, _ := a[key].(string)
		return s
	case *metav1.PartialObjectMetadata:
		return o.Annotations[key]
	}
	return ""
}

// labelsOf reads an object's labels in place.
func labelsOf[T Object](obj T) labels.Labels {
	switch o := any(obj).(type) {
	case *unstructured.Unstructured:
		return unstructuredLabels(o)
	case *metav1.PartialObjectMetadata:
		return labels.Set(o.Labels)
	}
	return labels.Set(nil)
}

func sameVersion[T Object](a, b T) bool {
	rv := versionOf(a)
	return rv != "" && rv == versionOf(b)
}

// metaString reads metadata[field] as a string without allocating.
func metaString(obj map[string]any, field string) string {
	md, _ := obj["metadata"].(map[string]any)
	s, _ := md[field].(string)
	return s
}
