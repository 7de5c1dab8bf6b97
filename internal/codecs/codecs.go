// Package codecs keeps the codecs that kdyn's one-pass decoders
// (internal/jsondec, and typed's mapdec and protodec) compile for each Go
// type: compiled once, on first use, published whole, and shared by every
// goroutine after.
package codecs

import (
	"reflect"
	"sync"
)

// Cache holds the codec of type C compiled for each Go type. The zero
// value is ready to use; a Cache is safe for concurrent use, and the codecs
// it hands out must not be changed once compiled.
type Cache[C any] struct {
	m sync.Map // reflect.Type → *C
}

// Compile fills in c, the codec of t, reaching the codecs of the types t
// holds through b.
type Compile[C any] func(b *Builder[C], t reflect.Type, c *C)

// For returns t's codec, compiling it, and the codecs of the types it
// holds, with compile on first use. The codecs of a graph are published
// only once the whole graph is compiled; a compile of the same types
// running at the same time builds an equal graph, and either will do.
func (cc *Cache[C]) For(t reflect.Type, compile Compile[C]) *C {
	if c, ok := cc.m.Load(t); ok {
		return c.(*C)
	}
	b := &Builder[C]{cache: cc, compile: compile, building: map[reflect.Type]*C{}}
	b.Codec(t)
	for t, c := range b.building {
		cc.m.LoadOrStore(t, c)
	}
	c, _ := cc.m.Load(t)
	return c.(*C)
}

// Builder compiles one graph of codecs for Cache.For.
type Builder[C any] struct {
	cache    *Cache[C]
	compile  Compile[C]
	building map[reflect.Type]*C
}

// Codec returns t's codec: one published already, one of this graph (still
// being compiled, when types are recursive, such as a CRD's
// JSONSchemaProps), or a new one it compiles now.
func (b *Builder[C]) Codec(t reflect.Type) *C {
	if c, ok := b.cache.m.Load(t); ok {
		return c.(*C)
	}
	if c, ok := b.building[t]; ok {
		return c
	}
	c := new(C)
	b.building[t] = c
	b.compile(b, t, c)
	return c
}
