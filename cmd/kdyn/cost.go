package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kdyn/kdyn/fixture"
)

// meter tells what a step cost, from the server's own request accounting.
type meter struct {
	srv    *fixture.Server
	before fixture.Stats
	total  int
}

// start begins a step.
func (m *meter) start() { m.before = m.srv.Stats() }

// cost ends a step and describes its requests: "2 requests: /api, /apis (1 answered 304)".
func (m *meter) cost() string {
	now := m.srv.Stats()
	n := now.Requests - m.before.Requests
	m.total += n
	if n == 0 {
		return "0 requests"
	}
	var paths []string
	for _, p := range slices.Sorted(maps.Keys(now.Paths)) {
		switch d := now.Paths[p] - m.before.Paths[p]; {
		case d == 1:
			paths = append(paths, p)
		case d > 1:
			paths = append(paths, fmt.Sprintf("%s ×%d", p, d))
		}
	}
	s := fmt.Sprintf("%d %s: %s", n, plural(n, "request"), strings.Join(paths, ", "))
	if nm := now.NotModified - m.before.NotModified; nm > 0 {
		s += fmt.Sprintf(" (%d answered 304 Not Modified)", nm)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
