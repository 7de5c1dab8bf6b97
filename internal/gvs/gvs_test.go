package gvs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestSorted(t *testing.T) {
	m := map[schema.GroupVersion]int{
		{Group: "b", Version: "v1"}:      1,
		{Group: "", Version: "v1"}:       2,
		{Group: "a", Version: "v2"}:      3,
		{Group: "a", Version: "v1beta1"}: 4,
	}
	assert.Equal(t, []schema.GroupVersion{
		{Group: "", Version: "v1"},
		{Group: "a", Version: "v1beta1"},
		{Group: "a", Version: "v2"},
		{Group: "b", Version: "v1"},
	}, Sorted(m))
	assert.Empty(t, Sorted(map[schema.GroupVersion]int(nil)))
}
