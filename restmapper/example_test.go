package restmapper_test

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/restmapper"
)

// Map a kind to its resource, then expand what a user typed, against the
// fixture API server.
func Example() {
	srv := fixture.NewServer(fixture.Synthetic(3, 2))
	defer srv.Close()
	dc, err := discovery.NewForConfig(srv.Config(), discovery.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := restmapper.New(dc, restmapper.Options{})
	ctx := context.Background()

	mapping, err := m.RESTMappingWithContext(ctx, schema.GroupKind{Group: "group001.example.com", Kind: "Widget000"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mapping.Resource, mapping.Scope.Name())

	for _, arg := range []string{"cm", "widget001s.v1beta1.group002.example.com"} {
		gvrs, err := m.Expand(ctx, arg)
		fmt.Println(arg, "→", gvrs, err)
	}
	// Output:
	// group001.example.com/v1, Resource=widget000s namespace
	// cm → [/v1, Resource=configmaps] <nil>
	// widget001s.v1beta1.group002.example.com → [group002.example.com/v1beta1, Resource=widget001s] <nil>
}
