package discovery

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestInternerSharesEqualValues(t *testing.T) {
	in := newInterner()
	a := in.list([]string{"get", "list"})
	b := in.list([]string{"get", "list"})
	assert.Equal(t, []string{"get", "list"}, b)
	assert.Same(t, &a[0], &b[0], "equal lists share one backing array")
	assert.Equal(t, unsafe.StringData(a[0]), unsafe.StringData(in.str(string([]byte("get")))), "elements are interned")
	assert.Equal(t, cap(a), len(a), "interned lists are allocated at their size")
}

func TestInternerKeepsDistinctValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []string
	}{
		{"separator inside a name", []string{"a\x00b"}, []string{"a", "b"}},
		{"order", []string{"a", "b"}, []string{"b", "a"}},
		{"prefix", []string{"a"}, []string{"a", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newInterner()
			assert.Equal(t, tc.a, in.list(tc.a))
			assert.Equal(t, tc.b, in.list(tc.b))
			assert.Equal(t, tc.a, in.list(tc.a))
		})
	}
}

func TestInternerKeepsNilAndEmpty(t *testing.T) {
	in := newInterner()
	assert.Nil(t, in.list(nil))
	assert.NotNil(t, in.list([]string{}))
	assert.Empty(t, in.list([]string{}))
	assert.Equal(t, "", in.str(""))
}
