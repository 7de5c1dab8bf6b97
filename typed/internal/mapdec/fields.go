package mapdec

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// member is one JSON member a struct decodes, found by encoding/json's
// rules for names, tags and embedded structs.
type member struct {
	name   string
	tagged bool         // the name comes from a json tag
	index  []int        // struct field indexes from the outer struct
	typ    reflect.Type // the field's type
	quoted bool         // the ",string" option applies
}

// structFields lists the members t decodes. It follows encoding/json:
// exported fields, json:"-" skipped, untagged embedded structs promoting
// their fields level by level, and of several members with one name the
// shallowest wins, a tagged one before an untagged one at the same depth,
// and none at all when that leaves a tie.
func structFields(t reflect.Type) []member {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var all []member
	next := []level{{typ: t}}
	var count map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		nextCount := map[reflect.Type]int{}
		for _, lv := range current {
			if visited[lv.typ] {
				continue
			}
			visited[lv.typ] = true
			for i := range lv.typ.NumField() {
				m, embedded, ok := memberOf(lv.typ.Field(i), append(slices.Clip(lv.index), i))
				switch {
				case !ok:
				case embedded:
					nextCount[m.typ]++
					if nextCount[m.typ] == 1 {
						next = append(next, level{typ: m.typ, index: m.index})
					}
				default:
					all = append(all, m)
					if count[lv.typ] > 1 {
						// The same struct reached twice at one depth: its
						// members tie with themselves and are dropped.
						all = append(all, m)
					}
				}
			}
		}
		count = nextCount
	}
	return dominant(all)
}

// memberOf describes struct field sf at index. embedded reports an
// untagged embedded struct whose members are promoted; ok is false for a
// field JSON ignores.
func memberOf(sf reflect.StructField, index []int) (m member, embedded, ok bool) {
	if sf.Anonymous {
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !sf.IsExported() && t.Kind() != reflect.Struct {
			return member{}, false, false
		}
	} else if !sf.IsExported() {
		return member{}, false, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return member{}, false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validName(name) {
		name = ""
	}
	ft := sf.Type
	if ft.Name() == "" && ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
		return member{typ: ft, index: index}, true, true
	}
	m = member{name: name, tagged: name != "", index: index, typ: sf.Type, quoted: hasOption(opts, "string") && quotable(ft)}
	if m.name == "" {
		m.name = sf.Name
	}
	return m, false, true
}

// quotable reports whether the ",string" option applies to a field of
// kind t: to scalars only.
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

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validName reports whether a json tag name is one encoding/json accepts;
// it uses the Go field name instead of any other.
func validName(s string) bool {
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

// dominant keeps, for each name, the member that wins by depth and tag.
func dominant(all []member) []member {
	slices.SortStableFunc(all, func(a, b member) int {
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
	var out []member
	for group := range groupsByName(all) {
		if len(group) == 1 || len(group[0].index) < len(group[1].index) || group[0].tagged != group[1].tagged {
			out = append(out, group[0])
		}
	}
	return out
}

// groupsByName yields the runs of members of equal name in sorted.
func groupsByName(sorted []member) func(yield func([]member) bool) {
	return func(yield func([]member) bool) {
		for i := 0; i < len(sorted); {
			j := i + 1
			for j < len(sorted) && sorted[j].name == sorted[i].name {
				j++
			}
			if !yield(sorted[i:j]) {
				return
			}
			i = j
		}
	}
}
