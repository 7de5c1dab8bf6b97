package rest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestResultInto(t *testing.T) {
	list := Result{statusCode: 200, body: []byte(`{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"n":"1"}}]}`)}
	var ul unstructured.UnstructuredList
	require.NoError(t, list.Into(&ul))
	assert.Equal(t, "7", ul.GetResourceVersion())
	require.Len(t, ul.Items, 1)
	assert.Equal(t, "a", ul.Items[0].GetName())

	groups := Result{statusCode: 200, body: []byte(`{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}]}]}`)}
	var gl metav1.APIGroupList
	require.NoError(t, groups.Into(&gl))
	require.Len(t, gl.Groups, 1)
	assert.Equal(t, "apps", gl.Groups[0].Name)

	var u unstructured.Unstructured
	require.ErrorContains(t, Result{statusCode: 200, body: []byte(`{"kind":`)}.Into(&u), "rest: decode")
	require.ErrorContains(t, Result{statusCode: 204}.Into(&u), "empty response body")
	var zero Result
	assert.Equal(t, "", zero.ContentType())
	assert.Zero(t, zero.StatusCode())
}

// TestResultIntoUnstructured checks that Into, which decodes unstructured
// JSON with kdyn's decoder, gives what the types' own UnmarshalJSON (that
// is, apimachinery's UnstructuredJSONScheme) gives: the same object, or an
// error for both.
func TestResultIntoUnstructured(t *testing.T) {
	bodies := map[string]string{
		"object":          `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","generation":3},"data":{"n":"1"},"x":[1.5,true,null]}`,
		"object as list":  `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a"}}]}`,
		"list kinds kept": `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"apps/v1","kind":"Deployment"},{"metadata":{"name":"b"}}]}`,
		"null items":      `{"apiVersion":"v1","kind":"PodList","items":null}`,
		"no kind":         `{"apiVersion":"v1","metadata":{"name":"a"}}`,
		"array":           `[]`,
		"null":            `null`,
		"truncated":       `{"kind":`,
	}
	intos := map[string]func() runtime.Object{
		"object":          func() runtime.Object { return &unstructured.Unstructured{} },
		"list":            func() runtime.Object { return &unstructured.UnstructuredList{} },
		"list with extra": func() runtime.Object { return &unstructured.UnstructuredList{Object: map[string]any{"old": "kept"}} },
	}
	for bodyName, body := range bodies {
		for intoName, into := range intos {
			t.Run(bodyName+"/"+intoName, func(t *testing.T) {
				want := into()
				wantErr := want.(json.Unmarshaler).UnmarshalJSON([]byte(body))
				got := into()
				res := Result{statusCode: 200, body: []byte(body), header: http.Header{"Content-Type": {"application/json"}}}
				gotErr := res.Into(got)
				if wantErr != nil {
					require.Error(t, gotErr)
					assert.Contains(t, gotErr.Error(), "rest: decode")
					return
				}
				require.NoError(t, gotErr)
				assert.Equal(t, want, got)
			})
		}
	}
}

// TestResultIntoDecoder checks which decoder Into picks for unstructured
// objects, by the decoders' error messages: kdyn's for JSON or no
// Content-Type, the types' UnmarshalJSON for any other.
func TestResultIntoDecoder(t *testing.T) {
	tests := []struct {
		contentType string
		kdyn        bool
	}{
		{"", true},
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"text/plain; charset=utf-8", false},
		{"application/cbor", false},
		{"application/json; =bad", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			res := Result{statusCode: 200, body: []byte(`[]`), header: http.Header{}}
			if tt.contentType != "" {
				res.header.Set("Content-Type", tt.contentType)
			}
			err := res.Into(&unstructured.Unstructured{})
			require.Error(t, err)
			if tt.kdyn {
				assert.ErrorContains(t, err, "unstructured: cannot decode JSON array into an object")
			} else {
				assert.NotContains(t, err.Error(), "unstructured: cannot decode")
			}
		})
	}
}
