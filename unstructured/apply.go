package unstructured

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ApplyOptions says what ToApplyConfiguration keeps beyond what it always
// drops. The zero value keeps status and every annotation.
type ApplyOptions struct {
	// DropStatus removes .status, for applying to the main resource where the
	// server ignores it anyway and would only report it as not owned.
	DropStatus bool
	// KeepResourceVersion keeps metadata.resourceVersion, which turns the
	// apply into a compare-and-swap that fails with a conflict if the object
	// changed since it was read.
	KeepResourceVersion bool
	// DropLastApplied removes the kubectl.kubernetes.io/last-applied-configuration
	// annotation that client-side apply leaves behind.
	DropLastApplied bool
}

// serverSetMetadata are the metadata fields the server owns; an apply
// configuration that sets them is refused or pointless.
var serverSetMetadata = []string{
	"managedFields", "uid", "creationTimestamp", "generation", "selfLink",
	"deletionTimestamp", "deletionGracePeriodSeconds",
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// ToApplyConfiguration returns a copy of obj, a live object as read from the
// server, fit to send as a server-side apply request: managedFields, uid,
// creationTimestamp, generation, selfLink, deletion fields and (unless opts
// keep it) resourceVersion are removed, and status when opts ask. obj is not
// changed.
func ToApplyConfiguration(obj *unstructured.Unstructured, opts ApplyOptions) (*unstructured.Unstructured, error) {
	if obj == nil || obj.Object == nil {
		return nil, fmt.Errorf("unstructured: apply configuration of an empty object")
	}
	if obj.GetAPIVersion() == "" || obj.GetKind() == "" {
		return nil, fmt.Errorf("unstructured: apply configuration needs apiVersion and kind, have %q and %q",
			obj.GetAPIVersion(), obj.GetKind())
	}
	out := obj.DeepCopy()
	if meta, ok := out.Object["metadata"].(map[string]any); ok {
		for _, f := range serverSetMetadata {
			delete(meta, f)
		}
		if !opts.KeepResourceVersion {
			delete(meta, "resourceVersion")
		}
		if ann, ok := meta["annotations"].(map[string]any); ok && opts.DropLastApplied {
			delete(ann, lastApplied)
			if len(ann) == 0 {
				delete(meta, "annotations")
			}
		}
	}
	if opts.DropStatus {
		delete(out.Object, "status")
	}
	return out, nil
}
