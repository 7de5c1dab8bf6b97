package conformance

import (
	"net/url"
	"strings"
)

// Scenario is a named list of steps, played in order against each server.
// Unless Cluster is set it runs in a namespace of its own, created by its
// first step: "cf-" and the scenario's name.
type Scenario struct {
	Name  string
	Steps []Step
	// Cluster is true for scenarios that create no namespace of their own.
	Cluster bool
}

// Namespace is the namespace a scenario's steps see as {ns}.
func (s Scenario) Namespace() string {
	n := "cf-" + strings.ToLower(s.Name)
	if len(n) > 63 {
		n = n[:63]
	}
	return strings.TrimRight(n, "-")
}

// Action is what a step does besides sending its request.
type Action int

const (
	// Request sends the step's request and compares the answers.
	Request Action = iota
	// Watch sends a watch request and reads the stream to its end (the
	// path's timeoutSeconds), comparing the events.
	Watch
	// Poll repeats the request until it is answered with Step.Code (for
	// what the real server does asynchronously: a CRD served, its objects
	// gone), then compares the last answers.
	Poll
	// Compact makes every resourceVersion so far too old, as an etcd
	// compaction does; there is nothing to compare.
	Compact
)

// Step is one request. Path and Body may hold {ns}, the scenario's
// namespace, and {$var}, a value an earlier step saved from its own
// server's answer.
type Step struct {
	Name        string
	Action      Action
	Method      string
	Path        string
	Body        string
	ContentType string
	Accept      string
	// Code is what a Poll waits for.
	Code int
	// Save maps variable names to dotted paths into the JSON answer
	// ("metadata.resourceVersion"), read before normalization.
	Save map[string]string
}

// Label names a step in reports: its name, else its method and path.
func (s Step) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Method + " " + s.Path
}

// Saving returns the step saving the value at path (dotted) as variable
// name, for later steps' {$name}.
func (s Step) Saving(name, path string) Step {
	m := map[string]string{name: path}
	for k, v := range s.Save {
		m[k] = v
	}
	s.Save = m
	return s
}

// Named returns the step with a name for reports.
func (s Step) Named(name string) Step { s.Name = name; return s }

// Accepting returns the step with an Accept header.
func (s Step) Accepting(accept string) Step { s.Accept = accept; return s }

// Content types of the three patches and of server-side apply.
const (
	JSONPatch      = "application/json-patch+json"
	MergePatch     = "application/merge-patch+json"
	StrategicPatch = "application/strategic-merge-patch+json"
	ApplyPatch     = "application/apply-patch+yaml"
	TableAccept    = "application/json;as=Table;v=v1;g=meta.k8s.io"
)

// Get is a GET of path.
func Get(path string) Step { return Step{Method: "GET", Path: path} }

// Post creates body under path.
func Post(path, body string) Step { return Step{Method: "POST", Path: path, Body: body} }

// Put replaces the object at path.
func Put(path, body string) Step { return Step{Method: "PUT", Path: path, Body: body} }

// Patch patches the object at path with a patch of content type ct.
func Patch(ct, path, body string) Step {
	return Step{Method: "PATCH", Path: path, Body: body, ContentType: ct}
}

// Apply is a server-side apply of body to path.
func Apply(path, body string) Step { return Patch(ApplyPatch, path, body) }

// Delete deletes path, with DeleteOptions as body when given.
func Delete(path string, body ...string) Step {
	return Step{Method: "DELETE", Path: path, Body: strings.Join(body, "")}
}

// WatchOf watches path; timeoutSeconds=1 is added when the path has none,
// so the stream ends on its own once the server has sent what it holds.
func WatchOf(path string) Step {
	u, _ := url.Parse(path)
	q := u.Query()
	q.Set("watch", "1")
	if q.Get("timeoutSeconds") == "" {
		q.Set("timeoutSeconds", "1")
	}
	return Step{Action: Watch, Method: "GET", Path: u.Path + "?" + decodeBraces(q.Encode())}
}

// PollUntil repeats GET path until the answer is code.
func PollUntil(path string, code int) Step {
	return Step{Action: Poll, Method: "GET", Path: path, Code: code}
}

// CompactNow makes every resourceVersion so far too old.
func CompactNow() Step { return Step{Action: Compact, Name: "compact"} }

// decodeBraces undoes the query encoding of {$var} placeholders.
func decodeBraces(s string) string {
	return strings.NewReplacer("%7B", "{", "%7D", "}", "%24", "$").Replace(s)
}
