package typed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	kun "github.com/kdyn/kdyn/unstructured"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kjson "sigs.k8s.io/json"
)

// Apply applies cfg with server-side apply and returns the object the
// server holds after it. cfg is anything that marshals to JSON as an apply
// configuration of T's kind: one of client-go's applyconfigurations (they
// implement runtime.ApplyConfiguration), or a typed object through
// ApplyConfigurationOf. Its metadata.name is required, and so is
// opts.FieldManager; a missing apiVersion and kind are filled in.
func (c *Client[T, L]) Apply(ctx context.Context, cfg runtime.ApplyConfiguration, opts metav1.ApplyOptions) (T, error) {
	return c.apply(ctx, cfg, opts)
}

// ApplyStatus is Apply to the status subresource.
func (c *Client[T, L]) ApplyStatus(ctx context.Context, cfg runtime.ApplyConfiguration, opts metav1.ApplyOptions) (T, error) {
	return c.apply(ctx, cfg, opts, "status")
}

func (c *Client[T, L]) apply(ctx context.Context, cfg runtime.ApplyConfiguration, opts metav1.ApplyOptions, sub ...string) (T, error) {
	var zero T
	body, name, err := c.applyBody(cfg, opts)
	if err != nil {
		return zero, err
	}
	patchOpts := opts.ToPatchOptions()
	return c.object(ctx, call{method: http.MethodPatch, name: name, sub: sub, params: &patchOpts, body: body, contentType: string(types.ApplyPatchType)})
}

// applyBody checks an apply configuration and returns it as a request body,
// with the name of the object it applies to.
func (c *Client[T, L]) applyBody(cfg runtime.ApplyConfiguration, opts metav1.ApplyOptions) ([]byte, string, error) {
	kind := c.shape.gvk.Kind
	if isNil(cfg) {
		return nil, "", fmt.Errorf("typed: apply %s: nil apply configuration", kind)
	}
	if opts.FieldManager == "" {
		return nil, "", fmt.Errorf("typed: apply %s: ApplyOptions.FieldManager is required", kind)
	}
	u, err := c.configuration(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("typed: apply %s: %w", kind, err)
	}
	if u.GetName() == "" {
		return nil, "", fmt.Errorf("typed: apply %s: the apply configuration has no metadata.name", kind)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", "managedFields"); found {
		return nil, "", fmt.Errorf("typed: apply %s %s: metadata.managedFields must not be set", kind, u.GetName())
	}
	body, err := u.MarshalJSON()
	if err != nil {
		return nil, "", fmt.Errorf("typed: apply %s %s: %w", kind, u.GetName(), err)
	}
	return body, u.GetName(), nil
}

// configuration returns cfg as an object of T's apiVersion and kind, which
// are filled in when cfg has neither.
func (c *Client[T, L]) configuration(cfg runtime.ApplyConfiguration) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &u.Object); err != nil || u.Object == nil {
		return nil, fmt.Errorf("the apply configuration is not a JSON object")
	}
	apiVersion, kind := c.shape.gvk.ToAPIVersionAndKind()
	switch {
	case u.GetAPIVersion() == "" && u.GetKind() == "":
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
	case u.GetAPIVersion() != apiVersion || u.GetKind() != kind:
		return nil, fmt.Errorf("the apply configuration is a %s %s", u.GetAPIVersion(), u.GetKind())
	}
	if _, isObject := cfg.(objectConfiguration); isObject {
		return kun.ToApplyConfiguration(u, kun.ApplyOptions{})
	}
	return u, nil
}

// ApplyConfigurationOf turns a typed object into an apply configuration
// for Apply and ApplyStatus: the object as JSON, less the metadata the
// server sets (managedFields, uid, resourceVersion, creationTimestamp,
// generation, selfLink, deletion fields). Every field its JSON writes is
// applied, and so owned by the field manager: that includes zero values of
// fields without omitempty (a Deployment's empty strategy, say). Where that
// matters, apply a configuration that holds only the fields you mean to
// own. obj is read when the configuration is marshalled, not before.
func ApplyConfigurationOf(obj runtime.Object) runtime.ApplyConfiguration {
	return objectConfiguration{obj: obj}
}

type objectConfiguration struct {
	obj runtime.Object
}

func (objectConfiguration) IsApplyConfiguration() {}

// MarshalJSON writes the object; Apply removes the server's metadata.
func (o objectConfiguration) MarshalJSON() ([]byte, error) {
	if isNil(o.obj) {
		return nil, fmt.Errorf("nil object")
	}
	return json.Marshal(o.obj)
}
