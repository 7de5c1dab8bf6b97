package codecs

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// node is a codec of the test: the type it is for and the codecs of its
// fields.
type node struct {
	typ    reflect.Type
	fields []*node
}

type tree struct {
	Name     string
	Children []tree
	Parent   *tree
}

// TestRecursiveTypesCompileOnce: a recursive type compiles into a graph
// whose cycles point at the codecs under construction, each type once, and
// every goroutine asking at the same time gets the same published codec.
func TestRecursiveTypesCompileOnce(t *testing.T) {
	var cache Cache[node]
	var compiled atomic.Int64
	compile := func(b *Builder[node], t reflect.Type, c *node) {
		compiled.Add(1)
		c.typ = t
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				c.fields = append(c.fields, b.Codec(t.Field(i).Type))
			}
		case reflect.Slice, reflect.Pointer:
			c.fields = []*node{b.Codec(t.Elem())}
		}
	}
	var wg sync.WaitGroup
	got := make([]*node, 8)
	for i := range got {
		wg.Go(func() { got[i] = cache.For(reflect.TypeFor[tree](), compile) })
	}
	wg.Wait()
	for _, c := range got {
		assert.Same(t, got[0], c, "one published codec")
	}
	c := got[0]
	assert.Equal(t, reflect.TypeFor[tree](), c.typ)
	assert.Same(t, c, c.fields[1].fields[0], "[]tree's element is tree's codec itself")
	assert.Same(t, c, c.fields[2].fields[0], "so is *tree's")
	assert.Same(t, cache.For(reflect.TypeFor[string](), compile), c.fields[0])
	before := compiled.Load()
	cache.For(reflect.TypeFor[tree](), compile)
	assert.Equal(t, before, compiled.Load(), "a published codec is not compiled again")
	assert.LessOrEqual(t, before, int64(8*4), "each racing graph compiles each of its 4 types once")
}
