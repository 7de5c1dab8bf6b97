package conformance

import (
	"context"
	"fmt"
	"regexp"
)

// Report is the outcome of a run.
type Report struct {
	Scenarios int
	// Requests counts the steps whose answers were compared (each sent to
	// both servers); watches count once.
	Requests    int
	Differences []Difference
}

// Unexplained returns the differences no Explanation covers.
func (r *Report) Unexplained() []Difference {
	var out []Difference
	for _, d := range r.Differences {
		if d.Explained == "" {
			out = append(out, d)
		}
	}
	return out
}

// Summary is the one line a run prints.
func (r *Report) Summary() string {
	u := len(r.Unexplained())
	return fmt.Sprintf("conformance: %d scenarios, %d requests compared, %d differences: %d explained, %d unexplained",
		r.Scenarios, r.Requests, len(r.Differences), len(r.Differences)-u, u)
}

// Run plays each scenario on real, then on fake, and compares the
// answers step by step. An error is returned when a step could not be sent
// at all or a Poll never got its answer; differences are not errors.
func Run(ctx context.Context, scenarios []Scenario, real, fake *Target) (*Report, error) {
	rep := &Report{}
	for _, sc := range scenarios {
		steps := sc.Steps
		if !sc.Cluster {
			steps = append([]Step{Post("/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{ns}"}}`).Named("create the namespace")}, steps...)
		}
		want, err := play(ctx, real, sc, steps)
		if err != nil {
			return rep, err
		}
		got, err := play(ctx, fake, sc, steps)
		if err != nil {
			return rep, err
		}
		rep.Scenarios++
		for i, s := range steps {
			if s.Action == Compact {
				continue
			}
			rep.Requests++
			for _, d := range compare(want[i], got[i]) {
				d.Scenario, d.Step, d.Label = sc.Name, i, s.Label()
				d.Explained = explain(d)
				rep.Differences = append(rep.Differences, d)
			}
		}
	}
	return rep, nil
}

var generateName = regexp.MustCompile(`"generateName":"([^"]+)"`)

// play runs steps on t and returns their normalized answers.
func play(ctx context.Context, t *Target, sc Scenario, steps []Step) ([]Answer, error) {
	vars := map[string]string{"ns": sc.Namespace()}
	n := newNormalizer()
	out := make([]Answer, len(steps))
	for i, s := range steps {
		var a Answer
		var err error
		switch s.Action {
		case Compact:
			err = t.Compact(ctx)
		case Poll:
			a, err = t.poll(ctx, s, vars)
		default:
			a, err = t.do(ctx, s, vars)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: scenario %s, step %d (%s): %w", t.Name, sc.Name, i, s.Label(), err)
		}
		save(s, a, vars)
		if m := generateName.FindStringSubmatch(s.Body); m != nil {
			n.generatedFrom(m[1], a.Body)
		}
		out[i] = n.answer(a)
	}
	return out, nil
}
