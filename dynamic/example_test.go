package dynamic_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Create ConfigMaps on the fixture API server, then page through them.
func Example() {
	cluster, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "kubernetes-1.36-dev"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := fixture.NewServer(cluster)
	defer srv.Close()
	c, err := dynamic.NewForConfig(srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	cms := c.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("default")
	for _, name := range []string{"a", "b", "c"} {
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name},
			"data":     map[string]any{"greeting": "hello " + name},
		}}
		if _, err := cms.Create(ctx, obj, metav1.CreateOptions{FieldManager: "example"}); err != nil {
			fmt.Println(err)
			return
		}
	}
	for obj, err := range cms.All(ctx, metav1.ListOptions{Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(obj.GetKind(), obj.GetName())
	}
	// Output:
	// ConfigMap a
	// ConfigMap b
	// ConfigMap c
}
