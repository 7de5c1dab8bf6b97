package unstructured_test

import (
	"fmt"

	kun "github.com/kdyn/kdyn/unstructured"
)

// Decode a list and read typed fields of its items.
func Example() {
	obj, err := kun.DecodeList([]byte(`{"apiVersion":"apps/v1","kind":"DeploymentList","items":[
		{"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":3}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	item := &obj.Items[0]
	replicas, _, err := kun.Get[int32](item, "spec", "replicas")
	if err != nil {
		fmt.Println(err)
		return
	}
	labels, _, _ := kun.Get[map[string]string](item, "metadata", "labels")
	fmt.Println(item.GetKind(), item.GetName(), replicas, labels)
	if err := kun.Set(item, 5, "spec", "replicas"); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%T\n", item.Object["spec"].(map[string]any)["replicas"])
	// Output:
	// Deployment web 3 map[app:web]
	// int64
}
