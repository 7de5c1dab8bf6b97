package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Target is one server the scenarios run against. Its fields are read-only
// once a run starts.
type Target struct {
	// Name labels the target in reports ("kube-apiserver", "fixture").
	Name string
	// URL is the server's base URL; Token, when set, a bearer token.
	URL   string
	Token string
	// Client sends the requests; it must trust the server.
	Client *http.Client
	// Compact makes every resourceVersion so far too old (an etcd
	// compaction), for the Compact action.
	Compact func(ctx context.Context) error
}

// Answer is what a server answered to one step.
type Answer struct {
	Code        int
	ContentType string
	Warnings    []string
	// Body is the decoded JSON (or YAML) body; for a watch, the events as
	// decoded JSON objects; a string when the body is neither.
	Body any
}

// maxBody bounds what one answer may hold.
const maxBody = 16 << 20

// do sends one step's request, with vars substituted, and reads the answer.
func (t *Target) do(ctx context.Context, s Step, vars map[string]string) (Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(expand(s.Body, vars))
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, t.URL+expand(s.Path, vars), body)
	if err != nil {
		return Answer{}, err
	}
	if t.Token != "" {
		req.Header.Set("Authorization", "Bearer "+t.Token)
	}
	if s.Body != "" {
		req.Header.Set("Content-Type", or(s.ContentType, "application/json"))
	}
	req.Header.Set("Accept", or(s.Accept, "application/json"))
	resp, err := t.Client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	a := Answer{Code: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Warnings: resp.Header.Values("Warning")}
	r := io.LimitReader(resp.Body, maxBody)
	if s.Action == Watch && resp.StatusCode == http.StatusOK {
		a.Body, err = readEvents(r)
		return a, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return a, err
	}
	a.Body = decodeBody(a.ContentType, data)
	return a, nil
}

// readEvents reads a JSON watch stream to its end.
func readEvents(r io.Reader) ([]any, error) {
	events := []any{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxBody)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var ev any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return events, fmt.Errorf("watch event %q: %w", sc.Bytes(), err)
		}
		events = append(events, ev)
	}
	return events, sc.Err()
}

// decodeBody decodes JSON and YAML bodies; anything else stays text.
func decodeBody(contentType string, data []byte) any {
	mt, _, _ := mime.ParseMediaType(contentType)
	var v any
	switch {
	case len(data) == 0:
		return ""
	case strings.HasSuffix(mt, "json"):
		if json.Unmarshal(data, &v) == nil {
			return v
		}
	case strings.HasSuffix(mt, "yaml"):
		if yaml.Unmarshal(data, &v) == nil {
			return v
		}
	}
	return string(data)
}

// poll repeats s until its answer has s.Code or ctx ends.
func (t *Target) poll(ctx context.Context, s Step, vars map[string]string) (Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		a, err := t.do(ctx, s, vars)
		if err == nil && a.Code == s.Code {
			return a, nil
		}
		select {
		case <-ctx.Done():
			return a, fmt.Errorf("%s: %s %s never answered %d (last %d, %v)", t.Name, s.Method, s.Path, s.Code, a.Code, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var placeholder = regexp.MustCompile(`\{\$?(\w+)\}`)

// expand substitutes {ns} and saved variables ({$name}) into s; an unknown
// one stays as it is, so the request shows what was missing.
func expand(s string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[strings.Trim(m, "{$}")]; ok {
			return v
		}
		return m
	})
}

// save reads s.Save's paths from a's body into vars.
func save(s Step, a Answer, vars map[string]string) {
	for name, path := range s.Save {
		v := a.Body
		for _, k := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if v != nil {
			vars[name] = fmt.Sprint(v)
		}
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
