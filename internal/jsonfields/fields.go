// Package jsonfields finds the members a Go struct type decodes from JSON,
// by encoding/json's rules, and where each lies in the struct's memory:
// what the one-pass decoders (internal/jsondec, and typed's conversion of
// unstructured maps) compile their struct codecs from.
package jsonfields

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// Field is one JSON member a struct decodes, found by encoding/json's
// rules for names, tags and embedded structs.
type Field struct {
	Name   string
	Tagged bool         // the name comes from a json tag
	Index  []int        // path of struct field indexes from the outer struct
	Type   reflect.Type // the field's type
	Quoted bool         // the ",string" option applies
}

// Of lists the members t decodes, in field order. It follows
// encoding/json: exported fields, json:"-" skipped, untagged embedded
// structs promoting their fields breadth first, and of several fields with
// one name the shallowest wins, a tagged one before an untagged one at the
// same depth, and none at all when that leaves a tie.
func Of(t reflect.Type) []Field {
	var all []Field
	type pending struct {
		typ   reflect.Type
		index []int
	}
	current := []pending{}
	next := []pending{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, p := range current {
			if visited[p.typ] {
				continue
			}
			visited[p.typ] = true
			for i := range p.typ.NumField() {
				sf := p.typ.Field(i)
				f, embed, ok := fieldOf(sf, append(slices.Clip(p.index), i))
				switch {
				case !ok:
				case embed:
					nextCount[f.Type]++
					if nextCount[f.Type] == 1 {
						next = append(next, pending{typ: f.Type, index: f.Index})
					}
				default:
					all = append(all, f)
					if count[p.typ] > 1 {
						// The same struct reached twice at one depth: its
						// fields tie with themselves and are dropped below.
						all = append(all, f)
					}
				}
			}
		}
	}
	return dominantFields(all)
}

// fieldOf describes struct field sf at index. embed reports an untagged
// embedded struct whose fields are promoted; ok is false for a field JSON
// ignores.
func fieldOf(sf reflect.StructField, index []int) (f Field, embed, ok bool) {
	if sf.Anonymous {
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !sf.IsExported() && t.Kind() != reflect.Struct {
			return Field{}, false, false
		}
	} else if !sf.IsExported() {
		return Field{}, false, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return Field{}, false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validTag(name) {
		name = ""
	}
	ft := sf.Type
	if ft.Name() == "" && ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
		return Field{Type: ft, Index: index}, true, true
	}
	f = Field{Name: name, Tagged: name != "", Index: index, Type: sf.Type, Quoted: hasOpt(opts, "string") && quotable(ft)}
	if f.Name == "" {
		f.Name = sf.Name
	}
	return f, false, true
}

func quotable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validTag reports whether a json tag name is one encoding/json accepts;
// it uses the Go field name instead of any other.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// dominantFields keeps, for each name, the field that wins by depth and
// tag, and returns them in the order of their index paths.
func dominantFields(all []Field) []Field {
	slices.SortStableFunc(all, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.Index), len(b.Index)); c != 0 {
			return c
		}
		if a.Tagged != b.Tagged {
			if a.Tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Index, b.Index)
	})
	out := all[:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Name == all[i].Name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || len(group[0].Index) < len(group[1].Index) || group[0].Tagged != group[1].Tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}

// Offset adds up the field offsets along index, a Field's Index in t; ok
// is false when the path goes through an embedded pointer, which
// encoding/json allocates on the way.
func Offset(t reflect.Type, index []int) (uintptr, bool) {
	var off uintptr
	for i, x := range index {
		if t.Kind() != reflect.Struct {
			return 0, false
		}
		sf := t.Field(x)
		off += sf.Offset
		t = sf.Type
		if i < len(index)-1 && t.Kind() == reflect.Pointer {
			return 0, false
		}
	}
	return off, true
}
