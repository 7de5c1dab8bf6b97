package codecs

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// compileNode is the test's compile: a node per type, with the codecs of
// a struct's fields and of a slice's or pointer's element.
func compileNode(compiled *atomic.Int64) Compile[node] {
	return func(b *Builder[node], t reflect.Type, c *node) {
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
}

// TestRecursiveTypesCompileOnce: a recursive type compiles into a graph
// whose cycles point at the codecs under construction, each type once, and
// a published codec is not compiled again.
func TestRecursiveTypesCompileOnce(t *testing.T) {
	var cache Cache[node]
	var compiled atomic.Int64
	compile := compileNode(&compiled)
	c := cache.For(reflect.TypeFor[tree](), compile)
	assert.Equal(t, reflect.TypeFor[tree](), c.typ)
	assert.Same(t, c, c.fields[1].fields[0], "[]tree's element is tree's codec itself")
	assert.Same(t, c, c.fields[2].fields[0], "so is *tree's")
	assert.Same(t, cache.For(reflect.TypeFor[string](), compile), c.fields[0])
	assert.Equal(t, int64(4), compiled.Load(), "tree, string, []tree and *tree, once each")
	assert.Same(t, c, cache.For(reflect.TypeFor[tree](), compile))
	assert.Equal(t, int64(4), compiled.Load(), "a published codec is not compiled again")
}

// TestConcurrentFirstUse: goroutines asking for the same type at once all
// get the one published codec, and every codec reachable from it is
// complete, whichever racing graph it came from (graphs publish type by
// type, so the published ones may mix equal codecs of several graphs).
func TestConcurrentFirstUse(t *testing.T) {
	var cache Cache[node]
	var compiled atomic.Int64
	compile := compileNode(&compiled)
	var wg sync.WaitGroup
	got := make([]*node, 8)
	for i := range got {
		wg.Go(func() { got[i] = cache.For(reflect.TypeFor[tree](), compile) })
	}
	wg.Wait()
	for _, c := range got {
		assert.Same(t, got[0], c, "one published codec")
	}
	seen := map[*node]bool{}
	var walk func(n *node)
	walk = func(n *node) {
		if seen[n] {
			return
		}
		seen[n] = true
		require.NotNil(t, n.typ, "a codec reached before it was compiled")
		want := 0
		switch n.typ.Kind() {
		case reflect.Struct:
			want = n.typ.NumField()
		case reflect.Slice, reflect.Pointer:
			want = 1
		}
		require.Len(t, n.fields, want, "%v", n.typ)
		for i, f := range n.fields {
			switch n.typ.Kind() {
			case reflect.Struct:
				assert.Equal(t, n.typ.Field(i).Type, f.typ)
			default:
				assert.Equal(t, n.typ.Elem(), f.typ)
			}
			walk(f)
		}
	}
	walk(got[0])
	assert.LessOrEqual(t, compiled.Load(), int64(8*4), "each racing graph compiles each of its 4 types at most once")
}
