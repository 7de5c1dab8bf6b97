package conformance

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// normalizer rewrites one target's answers to one scenario so that two
// correct servers' transcripts read the same: what it maps (uids, object
// resourceVersions, generated names) becomes a placeholder numbered by order
// of first appearance in the transcript, so equal placeholders still mean
// equal values. It is used by one goroutine.
type normalizer struct {
	rvs, uids, names map[string]string
}

func newNormalizer() *normalizer {
	return &normalizer{rvs: map[string]string{}, uids: map[string]string{}, names: map[string]string{}}
}

// Placeholders for values that are compared only for their presence.
const (
	anyRV       = "<rv>"
	anyContinue = "<continue>"
	anyTime     = "<time>"
)

var (
	timestamp = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	uuid      = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	// tooOld is the 410 of a compacted resourceVersion, whose numbers are
	// etcd's revisions on one server and the store's on the other.
	tooOld = regexp.MustCompile(`too old resource version: \d+ \(\d+\)`)
	// preconditionRVs are the resourceVersions a failed precondition names.
	preconditionRVs = regexp.MustCompile(`(ResourceVersion in the precondition \(|does not match the ResourceVersion in record \()(\d+)`)
	// quotedRV is an object's resourceVersion in JSON a message quotes.
	quotedRV = regexp.MustCompile(`\\?"resourceVersion\\?":\\?"(\d+)\\?"`)
	// etcdPrefix is the harness's etcd key prefix, where a cluster's is
	// "/registry/".
	etcdPrefix = "/kdyn-e2e/registry/"
)

// answer normalizes a, a step's answer.
func (n *normalizer) answer(a Answer) Answer {
	n.register(a.Body)
	a.Body = n.value(a.Body, false)
	if events, ok := a.Body.([]any); ok {
		for _, ev := range events {
			n.event(ev)
		}
	}
	for i, w := range a.Warnings {
		a.Warnings[i] = n.text(w)
	}
	return a
}

// event treats a bookmark's resourceVersion as a list's: it counts every
// write to the resource, the real server's own included.
func (n *normalizer) event(ev any) {
	m, _ := ev.(map[string]any)
	if m["type"] != "BOOKMARK" {
		return
	}
	obj, _ := m["object"].(map[string]any)
	if md, ok := obj["metadata"].(map[string]any); ok && md["resourceVersion"] != nil {
		md["resourceVersion"] = anyRV
	}
}

// generatedFrom registers the names a request with generateName prefix
// may have been given, where no object shows them (a refused create
// names its object in the Status).
func (n *normalizer) generatedFrom(prefix string, v any) {
	if prefix == "" {
		return
	}
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[a-z0-9]{5}\b`)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			for _, name := range re.FindAllString(v, -1) {
				if n.names[name] == "" {
					n.names[name] = fmt.Sprintf("%s<%d>", prefix, len(n.names)+1)
				}
			}
		}
	}
	walk(v)
}

// register finds the objects created with generateName, so that their
// names read as the prefix and an ordinal wherever they appear.
func (n *normalizer) register(v any) {
	switch v := v.(type) {
	case map[string]any:
		if md, ok := v["metadata"].(map[string]any); ok {
			prefix, _ := md["generateName"].(string)
			name, _ := md["name"].(string)
			if prefix != "" && strings.HasPrefix(name, prefix) && len(name) > len(prefix) && n.names[name] == "" {
				n.names[name] = fmt.Sprintf("%s<%d>", prefix, len(n.names)+1)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			n.register(v[k])
		}
	case []any:
		for _, e := range v {
			n.register(e)
		}
	}
}

// value normalizes v; listy says v is a list's or a Table's metadata.
func (n *normalizer) value(v any, listy bool) any {
	switch v := v.(type) {
	case map[string]any:
		return n.object(v, listy)
	case []any:
		for i, e := range v {
			v[i] = n.value(e, false)
		}
		return v
	case string:
		return n.text(v)
	}
	return v
}

// object walks m's keys in order, so that placeholders are numbered alike
// on both servers.
func (n *normalizer) object(m map[string]any, listy bool) map[string]any {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e := m[k]
		switch {
		case k == "resourceVersion" && isString(e):
			if listy {
				m[k] = anyRV
			} else {
				m[k] = n.mapped(n.rvs, e.(string), "rv")
			}
		case k == "uid" && isString(e):
			m[k] = n.mapped(n.uids, e.(string), "uid")
		case k == "continue" && e != "" && listy:
			m[k] = anyContinue
		case k == "metadata":
			m[k] = n.value(e, isList(m))
		default:
			m[k] = n.value(e, false)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		// Keys name objects too: managedFields' k:{"uid":...}.
		if uuid.MatchString(k) {
			nk := n.text(k)
			m[nk] = m[k]
			delete(m, k)
		}
	}
	switch m["kind"] {
	case "Status":
		sortCauses(m)
	case "Table":
		hideAges(m)
	}
	return m
}

// hideAges replaces the cells of a Table's date columns: the server prints
// them as ages ("3s"), which depend on when the request came.
func hideAges(table map[string]any) {
	cols, _ := table["columnDefinitions"].([]any)
	rows, _ := table["rows"].([]any)
	for i, c := range cols {
		col, _ := c.(map[string]any)
		if col["type"] != "date" && col["name"] != "Age" {
			continue
		}
		for _, r := range rows {
			row, _ := r.(map[string]any)
			if cells, ok := row["cells"].([]any); ok && i < len(cells) {
				cells[i] = "<age>"
			}
		}
	}
}

// isList tells lists, Tables and Statuses (whose metadata is a list's),
// whose resourceVersion is the store's and not one of an object's.
func isList(m map[string]any) bool {
	kind, _ := m["kind"].(string)
	_, items := m["items"]
	return items || strings.HasSuffix(kind, "List") || kind == "Table" || kind == "Status"
}

func (n *normalizer) mapped(seen map[string]string, v, what string) string {
	if v == "" {
		return ""
	}
	if p, ok := seen[v]; ok {
		return p
	}
	p := fmt.Sprintf("<%s%d>", what, len(seen)+1)
	seen[v] = p
	return p
}

// text normalizes the volatile parts of a string: whole or inside a message.
func (n *normalizer) text(s string) string {
	if p, ok := n.names[s]; ok {
		return p
	}
	s = timestamp.ReplaceAllString(s, anyTime)
	s = tooOld.ReplaceAllString(s, "too old resource version: <rv> (<rv>)")
	s = quotedRV.ReplaceAllStringFunc(s, func(m string) string {
		sub := quotedRV.FindStringSubmatch(m)
		return strings.Replace(m, sub[1], n.mapped(n.rvs, sub[1], "rv"), 1)
	})
	s = preconditionRVs.ReplaceAllStringFunc(s, func(m string) string {
		sub := preconditionRVs.FindStringSubmatch(m)
		return sub[1] + n.mapped(n.rvs, sub[2], "rv")
	})
	s = strings.ReplaceAll(s, etcdPrefix, "/registry/")
	s = uuid.ReplaceAllStringFunc(s, func(u string) string { return n.mapped(n.uids, u, "uid") })
	for name, p := range n.names {
		s = replaceWord(s, name, p)
	}
	return s
}

// replaceWord replaces name in s where it stands as a whole name, not as
// part of a longer one.
func replaceWord(s, name, p string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, name)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(name)
		whole := (i == 0 || !nameChar(s[i-1])) && (end == len(s) || !nameChar(s[end]))
		b.WriteString(s[:i])
		if whole {
			b.WriteString(p)
		} else {
			b.WriteString(name)
		}
		s = s[end:]
	}
}

func nameChar(c byte) bool {
	return c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// sortCauses orders a Status's causes, which kube-openapi reports in map
// order, and cuts a message that lists several of them down to its lead.
func sortCauses(status map[string]any) {
	details, _ := status["details"].(map[string]any)
	causes, _ := details["causes"].([]any)
	if len(causes) < 2 {
		return
	}
	slices.SortFunc(causes, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	if msg, ok := status["message"].(string); ok {
		if i := strings.Index(msg, ": ["); i >= 0 && strings.HasSuffix(msg, "]") {
			status["message"] = msg[:i] + ": [<causes>]"
		}
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }
