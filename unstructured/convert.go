package unstructured

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// FromTyped converts a typed API object, such as an *appsv1.Deployment, into
// an *unstructured.Unstructured with apimachinery's DefaultUnstructuredConverter.
// apiVersion and kind are carried over only when obj's TypeMeta sets them.
func FromTyped(obj any) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("unstructured: from %T: %w", obj, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// ToTyped fills into, a pointer to a typed API object, from u with
// apimachinery's DefaultUnstructuredConverter.
func ToTyped(u *unstructured.Unstructured, into any) error {
	if u == nil {
		return fmt.Errorf("unstructured: to %T: nil object", into)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("unstructured: to %T: %w", into, err)
	}
	return nil
}

// As converts u into a new T, a typed API object such as appsv1.Deployment.
func As[T any](u *unstructured.Unstructured) (*T, error) {
	out := new(T)
	if err := ToTyped(u, out); err != nil {
		return nil, err
	}
	return out, nil
}
