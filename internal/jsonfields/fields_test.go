package jsonfields

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct {
	A int
	B int `json:"b"`
	T int
}

type other struct {
	T int
	E int
}

type deep struct{ inner }

type outer struct {
	inner        // promoted: A, b
	other        // E; T is in both at one depth: dropped, as a tie
	deep         // deeper: hidden by inner's
	X     string `json:"x,string"`
	Y     int    `json:"-"`
	B     int    // untagged B at depth 0 is named "B", distinct from "b"
	p     int
	Bad   int `json:"a b"` // an invalid tag name: the field's name is used
}

// TestOfAsEncodingJSON: the members Of finds are the keys encoding/json
// writes for the same type, tagged and quoted as the tags say.
func TestOfAsEncodingJSON(t *testing.T) {
	var v outer
	v.p = 1 // unexported: never a member
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(data, &keys))

	fields := Of(reflect.TypeFor[outer]())
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
		off, ok := Offset(reflect.TypeFor[outer](), f.Index)
		assert.True(t, ok, f.Name)
		assert.Equal(t, reflect.TypeFor[outer]().FieldByIndex(f.Index).Offset, off-offsetOfParent(f.Index), f.Name)
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(keys)), names)
	byName := map[string]Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	assert.True(t, byName["x"].Quoted)
	assert.True(t, byName["b"].Tagged)
	assert.False(t, byName["B"].Tagged)
	assert.Equal(t, []int{0, 0}, byName["A"].Index, "the shallower A wins over deep's")
}

// offsetOfParent is the offset of the struct that holds the field at index.
func offsetOfParent(index []int) uintptr {
	off, _ := Offset(reflect.TypeFor[outer](), index[:len(index)-1])
	return off
}

type withPointer struct{ *inner }

// TestOffsetThroughPointer: a member promoted through an embedded pointer
// has no fixed offset.
func TestOffsetThroughPointer(t *testing.T) {
	fields := Of(reflect.TypeFor[withPointer]())
	require.NotEmpty(t, fields)
	for _, f := range fields {
		_, ok := Offset(reflect.TypeFor[withPointer](), f.Index)
		assert.False(t, ok, f.Name)
	}
}
