package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	restclient "k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// The CRDs installed before any test runs (testdata/crds), and recorded in
// testdata/clusters/k8s-1.37.
var (
	widgetsV1      = schema.GroupVersionResource{Group: "stable.kdyn.dev", Version: "v1", Resource: "widgets"}
	widgetsV1beta1 = schema.GroupVersionResource{Group: "stable.kdyn.dev", Version: "v1beta1", Resource: "widgets"}
	tenantsV1      = schema.GroupVersionResource{Group: "platform.kdyn.dev", Version: "v1", Resource: "tenants"}
)

// installBaseCRDs installs every CRD under testdata/crds and waits until
// discovery serves them.
func installBaseCRDs(ctx context.Context, cfg *restclient.Config) error {
	files, err := filepath.Glob(filepath.Join("testdata", "crds", "*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		crd := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(raw, &crd.Object); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := installCRD(ctx, cfg, crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// installCRD creates crd and waits until it is established and every served
// version is listed by discovery, both legacy and aggregated.
func installCRD(ctx context.Context, cfg *restclient.Config, crd *unstructured.Unstructured) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		return err
	}
	return waitForCRD(ctx, cfg, crd)
}

func waitForCRD(ctx context.Context, cfg *restclient.Config, crd *unstructured.Unstructured) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")

	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := dyn.Resource(crdGVR).Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if !crdEstablished(got) {
			return false, nil
		}
		// client-go's discovery client reads the aggregated document.
		_, lists, err := dc.ServerGroupsAndResources()
		if err != nil {
			return false, nil
		}
		for _, v := range versions {
			name, _, _ := unstructured.NestedString(v.(map[string]any), "name")
			if !listsResource(lists, group+"/"+name, plural) {
				return false, nil
			}
			legacy, err := dc.ServerResourcesForGroupVersion(group + "/" + name)
			if err != nil || !listsResource([]*metav1.APIResourceList{legacy}, group+"/"+name, plural) {
				return false, nil
			}
		}
		return true, nil
	})
}

func crdEstablished(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

func listsResource(lists []*metav1.APIResourceList, gv, resource string) bool {
	return slices.ContainsFunc(lists, func(l *metav1.APIResourceList) bool {
		return l != nil && l.GroupVersion == gv && slices.ContainsFunc(l.APIResources, func(r metav1.APIResource) bool {
			return r.Name == resource
		})
	})
}

// deleteCRD deletes a CRD and waits until it is gone.
func deleteCRD(ctx context.Context, cfg *restclient.Config, name string) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := dyn.Resource(crdGVR).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}
