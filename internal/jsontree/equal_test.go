package jsontree

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEqual(t *testing.T) {
	tree := func() any {
		return map[string]any{"a": []any{"x", int64(1), 1.5, true, nil}, "b": map[string]any{}}
	}
	assert.True(t, Equal(tree(), tree()))
	for name, other := range map[string]any{
		"a value":        map[string]any{"a": []any{"x", int64(2), 1.5, true, nil}, "b": map[string]any{}},
		"int and float":  map[string]any{"a": []any{"x", 1.0, 1.5, true, nil}, "b": map[string]any{}},
		"a key":          map[string]any{"a": []any{"x", int64(1), 1.5, true, nil}, "c": map[string]any{}},
		"a longer list":  map[string]any{"a": []any{"x", int64(1), 1.5, true, nil, nil}, "b": map[string]any{}},
		"null and empty": map[string]any{"a": []any{"x", int64(1), 1.5, true, nil}, "b": nil},
	} {
		assert.False(t, Equal(tree(), other), name)
		assert.False(t, Equal(other, tree()), name)
	}
	assert.False(t, Equal(int32(1), int32(1)), "a type no decoder produces")
	assert.True(t, Equal(nil, nil))
}
