package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// crdsPath lists a cluster's CustomResourceDefinitions.
const crdsPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

// crdsFile is where a recording keeps them: objects/*.yaml are the objects
// a fixture server starts with, so the CRDs' schemas, printer columns and
// subresources come along.
const crdsFile = "objects/customresourcedefinitions.yaml"

// crdPageSize bounds one page of the list, so that a cluster with
// thousands of large CRDs is read in pieces.
const crdPageSize = "100"

// recordCRDs records the cluster's CustomResourceDefinitions into
// crdsFile, sorted by name, without what belongs to that cluster's
// storage (resourceVersion, managedFields). A server that does not serve
// them, or forbids listing them, is noted and skipped.
func (r *recorder) recordCRDs(ctx context.Context) error {
	crds, err := r.listCRDs(ctx)
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		fmt.Fprintf(r.progress, "%s: not served, skipped\n", crdsPath)
		return nil
	}
	if err != nil {
		return err
	}
	if len(crds) == 0 {
		return nil
	}
	var out bytes.Buffer
	for i, crd := range crds {
		b, err := yaml.Marshal(crd.Object)
		if err != nil {
			return fmt.Errorf("CRD %s: %w", crd.GetName(), err)
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	file := filepath.Join(r.dir, filepath.FromSlash(crdsFile))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(r.progress, "%s: %d CRDs\n", crdsFile, len(crds))
	return nil
}

// listCRDs lists every CRD, page by page.
func (r *recorder) listCRDs(ctx context.Context) ([]*unstructured.Unstructured, error) {
	var crds []*unstructured.Unstructured
	cont := ""
	for {
		req := r.rc.Get().AbsPath(crdsPath).SetHeader("Accept", "application/json").Param("limit", crdPageSize)
		if cont != "" {
			req = req.Param("continue", cont)
		}
		var list unstructured.UnstructuredList
		if err := req.Do(ctx).Into(&list); err != nil {
			return nil, fmt.Errorf("list %s: %w", crdsPath, err)
		}
		for i := range list.Items {
			crds = append(crds, recordedCRD(&list.Items[i]))
		}
		if cont = list.GetContinue(); cont == "" {
			break
		}
	}
	slices.SortFunc(crds, func(a, b *unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	return crds, nil
}

// recordedCRD is a listed CRD as a recording keeps it: with its kind (list
// items lack it) and without what only the recorded cluster's storage
// means.
func recordedCRD(crd *unstructured.Unstructured) *unstructured.Unstructured {
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	crd.SetResourceVersion("")
	crd.SetManagedFields(nil)
	return crd
}
