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

// List the metadata of ConfigMaps: their names and labels, without their
// data, which the server does not send.
func ExampleMetadataClient() {
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
	configMaps := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	for _, name := range []string{"a", "b"} {
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "labels": map[string]any{"app": "web"}},
			"data":     map[string]any{"big": "a value the metadata-only client never reads"},
		}}
		if _, err := c.Resource(configMaps).Namespace("default").Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			fmt.Println(err)
			return
		}
	}
	list, err := c.Metadata().Resource(configMaps).Namespace("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range list.Items {
		fmt.Println(m.Name, m.Labels)
	}
	// Output:
	// a map[app:web]
	// b map[app:web]
}
