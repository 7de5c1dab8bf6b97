package rest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kdyn/kdyn/rest"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/default/configmaps/settings" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
			return
		}
		_, _ = io.WriteString(w, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"mode":"fast"}}`)
	}))
	defer srv.Close()

	c, err := rest.NewClient(&rest.Config{Host: srv.URL})
	if err != nil {
		panic(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()

	var cm unstructured.Unstructured
	err = c.Get().AbsPath("/api", "v1").Namespace("default").Resource("configmaps").Name("settings").Do(ctx).Into(&cm)
	if err != nil {
		panic(err)
	}
	mode, _, _ := unstructured.NestedString(cm.Object, "data", "mode")
	fmt.Println(cm.GetName(), mode)

	err = c.Get().AbsPath("/api", "v1").Namespace("default").Resource("configmaps").Name("other").Do(ctx).Error()
	fmt.Println(apierrors.IsNotFound(err))
	// Output:
	// settings fast
	// true
}
