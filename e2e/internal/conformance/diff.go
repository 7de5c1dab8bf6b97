package conformance

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Difference is one field two servers answered differently.
type Difference struct {
	Scenario string
	Step     int    // the step's index in its scenario
	Label    string // the step's Label
	// Field is where they differ: "code", "contentType", "warnings", or a
	// path into the body ("body.metadata.labels.app",
	// "events[2].object.data").
	Field string
	// Kind is the kind of the object the field belongs to, when known.
	Kind string
	// Real and Fixture are the two values as JSON; "" where one has none.
	Real, Fixture string
	// Explained is the ID of the Explanation that covers it, or "".
	Explained string
}

func (d Difference) String() string {
	s := fmt.Sprintf("%s / step %d (%s) / %s: kube-apiserver %s, fixture %s", d.Scenario, d.Step, d.Label, d.Field, or(d.Real, "(none)"), or(d.Fixture, "(none)"))
	if d.Explained != "" {
		s += " [explained: " + d.Explained + "]"
	}
	return s
}

// compare lists where two normalized answers differ.
func compare(real, fake Answer) []Difference {
	var out []Difference
	add := func(field, kind string, r, f any, rok, fok bool) {
		out = append(out, Difference{Field: field, Kind: kind, Real: show(r, rok), Fixture: show(f, fok)})
	}
	if real.Code != fake.Code {
		add("code", "", real.Code, fake.Code, true, true)
	}
	if real.ContentType != fake.ContentType {
		add("contentType", "", real.ContentType, fake.ContentType, true, true)
	}
	if !slices.Equal(real.Warnings, fake.Warnings) {
		add("warnings", "", real.Warnings, fake.Warnings, real.Warnings != nil, fake.Warnings != nil)
	}
	root := "body"
	if _, ok := real.Body.([]any); ok {
		root = "events"
	}
	if rk, fk := topKind(real.Body), topKind(fake.Body); rk != fk {
		// A Status against an object: one difference says it all.
		add(root, "", summary(real.Body), summary(fake.Body), true, true)
		return out
	}
	walk(root, "", real.Body, fake.Body, true, true, add)
	return out
}

// topKind is a body's kind: an object's, "events", "text", or "".
func topKind(body any) string {
	switch b := body.(type) {
	case map[string]any:
		k, _ := b["kind"].(string)
		return k
	case []any:
		return "events"
	case string:
		return "text"
	}
	return ""
}

// summary is what identifies a body: a Status's reason and message, an
// object's kind and name, a text's text.
func summary(body any) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	if m["kind"] == "Status" {
		return map[string]any{"kind": "Status", "reason": m["reason"], "message": m["message"]}
	}
	md, _ := m["metadata"].(map[string]any)
	return map[string]any{"kind": m["kind"], "name": md["name"]}
}

// walk compares two values and calls add for each leaf that differs.
func walk(path, kind string, r, f any, rok, fok bool, add func(string, string, any, any, bool, bool)) {
	rm, rIsMap := r.(map[string]any)
	fm, fIsMap := f.(map[string]any)
	if rIsMap && fIsMap {
		kind = kindOf(rm, kind)
		keys := slices.Sorted(maps.Keys(rm))
		for k := range fm {
			if _, ok := rm[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			rv, rhas := rm[k]
			fv, fhas := fm[k]
			walk(path+"."+k, kind, rv, fv, rhas, fhas, add)
		}
		return
	}
	rl, rIsList := r.([]any)
	fl, fIsList := f.([]any)
	if rIsList && fIsList {
		for i := range max(len(rl), len(fl)) {
			var rv, fv any
			if i < len(rl) {
				rv = rl[i]
			}
			if i < len(fl) {
				fv = fl[i]
			}
			walk(fmt.Sprintf("%s[%d]", path, i), kind, rv, fv, i < len(rl), i < len(fl), add)
		}
		return
	}
	if rok != fok || show(r, rok) != show(f, fok) {
		add(strings.TrimPrefix(path, "."), kind, r, f, rok, fok)
	}
}

// kindOf is m's kind, its list's item kind, or the enclosing kind.
func kindOf(m map[string]any, enclosing string) string {
	if k, ok := m["kind"].(string); ok && k != "" {
		return k
	}
	if strings.HasSuffix(enclosing, "List") {
		return strings.TrimSuffix(enclosing, "List")
	}
	return enclosing
}

func show(v any, ok bool) string {
	if !ok {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
