package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

func Example() {
	// A recorded or synthetic cluster stands in for a real API server here.
	srv := fixture.NewServer(fixture.Synthetic(2, 1))
	defer srv.Close()

	rc, err := rest.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer rc.CloseIdleConnections()
	c := discovery.New(rc, discovery.Options{})

	ctx := context.Background()
	groups, err := c.Groups(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range groups.Groups {
		fmt.Printf("%q prefers %s\n", g.Name, g.PreferredVersion.Version)
	}
	list, err := c.Resources(ctx, schema.GroupVersion{Group: "group000.example.com", Version: "v1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(list.APIResources[0].Name, list.APIResources[0].Kind)
	fmt.Println("requests:", srv.Stats().Requests)
	// Output:
	// "" prefers v1
	// "apiextensions.k8s.io" prefers v1
	// "group000.example.com" prefers v1
	// "group001.example.com" prefers v1
	// widget000s Widget000
	// requests: 2
}

func ExamplePartialError() {
	srv := fixture.NewServer(fixture.Synthetic(3, 1), fixture.WithoutAggregated())
	defer srv.Close()
	srv.FailGroup("group001.example.com", 503) // an aggregated API server that is down

	rc, err := rest.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer rc.CloseIdleConnections()
	c := discovery.New(rc, discovery.Options{})

	_, lists, err := c.GroupsAndResources(context.Background())
	var partial *discovery.PartialError
	if errors.As(err, &partial) {
		for _, gv := range partial.GroupVersions() {
			fmt.Println("failed:", gv)
		}
	}
	fmt.Println("served:", len(lists), "group-versions")
	// Output:
	// failed: group001.example.com/v1
	// failed: group001.example.com/v1beta1
	// served: 6 group-versions
}
