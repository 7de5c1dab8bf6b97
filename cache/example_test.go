package cache_test

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
)

// A controller's view of ConfigMaps: a handler for changes, an index, and
// reads from the cache that cost no request.
func Example() {
	srv := fixture.NewServer(fixture.Synthetic(1, 1)) // or rest.LoadKubeconfig for a real cluster
	defer srv.Close()
	rc, err := rest.NewClient(srv.Config())
	if err != nil {
		panic(err)
	}
	defer rc.CloseIdleConnections()
	dyn := dynamic.New(rc)
	mapper := restmapper.New(discovery.New(rc, discovery.Options{}), restmapper.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c := cache.New(dyn, mapper, cache.Options{})
	defer c.Stop()
	inf, err := c.Informer(ctx, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, cache.InformerOptions{Namespace: "default"})
	if err != nil {
		panic(err)
	}
	changed := make(chan string, 10)
	inf.AddHandler(cache.Handler{
		OnAdd:    func(obj *unstructured.Unstructured, initial bool) { changed <- "added " + obj.GetName() },
		OnUpdate: func(old, obj *unstructured.Unstructured) { changed <- "updated " + obj.GetName() },
	})
	err = inf.AddIndex("owner", func(obj *unstructured.Unstructured) []string {
		if owner := obj.GetLabels()["owner"]; owner != "" {
			return []string{owner}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if err := inf.WaitForSync(ctx); err != nil {
		panic(err)
	}

	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "settings", "labels": map[string]any{"owner": "team-a"}},
		"data":     map[string]any{"color": "blue"},
	}}
	if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).
		Namespace("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		panic(err)
	}
	fmt.Println(<-changed)

	obj, _ := inf.Get("default", "settings") // shared: DeepCopy before changing it
	fmt.Println(obj.Object["data"])
	fmt.Println(len(inf.ByIndex("owner", "team-a")), "object owned by team-a")
	// Output:
	// added settings
	// map[color:blue]
	// 1 object owned by team-a
}
