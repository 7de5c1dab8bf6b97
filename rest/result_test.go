package rest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
