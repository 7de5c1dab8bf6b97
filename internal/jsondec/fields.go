package jsondec

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// jsonField is one JSON member a struct decodes, found by encoding/json's
// rules for names, tags and embedded structs.
type jsonField struct {
	name   string
	tagged bool         // the name comes from a json tag
	index  []int        // path of struct field indexes from the outer struct
	typ    reflect.Type // the field's type
	quoted bool         // the ",string" option applies
}

// structFields lists the members t decodes, in field order. It follows
// encoding/json: exported fields, json:"-" skipped, untagged embedded
// structs promoting their fields breadth first, and of several fields with
// one name the shallowest wins, a tagged one before an untagged one at the
// same depth, and none at all when that leaves a tie.
func structFields(t reflect.Type) []jsonField {
	var all []jsonField
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
					nextCount[f.typ]++
					if nextCount[f.typ] == 1 {
						next = append(next, pending{typ: f.typ, index: f.index})
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
func fieldOf(sf reflect.StructField, index []int) (f jsonField, embed, ok bool) {
	if sf.Anonymous {
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !sf.IsExported() && t.Kind() != reflect.Struct {
			return jsonField{}, false, false
		}
	} else if !sf.IsExported() {
		return jsonField{}, false, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return jsonField{}, false, false
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
		return jsonField{typ: ft, index: index}, true, true
	}
	f = jsonField{name: name, tagged: name != "", index: index, typ: sf.Type, quoted: hasOpt(opts, "string") && quotable(ft)}
	if f.name == "" {
		f.name = sf.Name
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
func dominantFields(all []jsonField) []jsonField {
	slices.SortStableFunc(all, func(a, b jsonField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := all[:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || len(group[0].index) < len(group[1].index) || group[0].tagged != group[1].tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}
