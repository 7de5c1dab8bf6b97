package dynamic

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// deleteBody encodes DeleteOptions as the request body, where the server
// reads them (propagationPolicy, preconditions, gracePeriodSeconds, dryRun),
// at apiVersion v1 as client-go sends them.
func deleteBody(opts metav1.DeleteOptions) rawBody {
	opts.TypeMeta = metav1.TypeMeta{Kind: "DeleteOptions", APIVersion: "v1"}
	data, _ := json.Marshal(&opts) // plain struct of strings, ints and slices: cannot fail
	return rawBody{contentType: mediaJSON, data: data}
}

// applyRequest checks a server-side apply and returns its body and options.
// The server needs a field manager; managedFields in the input would
// overwrite the server's field ownership wholesale, so they are refused.
func applyRequest(obj *unstructured.Unstructured, opts metav1.ApplyOptions) (rawBody, metav1.PatchOptions, error) {
	if obj == nil {
		return rawBody{}, metav1.PatchOptions{}, fmt.Errorf("dynamic: apply: nil object")
	}
	if opts.FieldManager == "" {
		return rawBody{}, metav1.PatchOptions{}, fmt.Errorf("dynamic: apply %s: ApplyOptions.FieldManager is required", obj.GetName())
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "metadata", "managedFields"); found {
		return rawBody{}, metav1.PatchOptions{}, fmt.Errorf("dynamic: apply %s: metadata.managedFields must not be set "+
			"(unstructured.ToApplyConfiguration turns a live object into an apply configuration)", obj.GetName())
	}
	data, err := obj.MarshalJSON()
	if err != nil {
		return rawBody{}, metav1.PatchOptions{}, fmt.Errorf("dynamic: apply %s: %w", obj.GetName(), err)
	}
	return rawBody{contentType: string(types.ApplyPatchType), data: data}, opts.ToPatchOptions(), nil
}
