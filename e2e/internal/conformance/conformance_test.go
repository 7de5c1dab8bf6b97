package conformance

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

// TestNormalize: two servers' answers that differ only in what each server
// picks (uids, resourceVersions, generated names, times, list versions,
// cause order) normalize to the same, and values that repeat keep their
// placeholder.
func TestNormalize(t *testing.T) {
	a := []string{
		`{"kind":"ConfigMap","metadata":{"name":"gen-abcde","generateName":"gen-","uid":"11111111-1111-1111-1111-111111111111","resourceVersion":"100","creationTimestamp":"2026-01-01T00:00:00Z"}}`,
		`{"kind":"ConfigMapList","metadata":{"resourceVersion":"107","continue":"xyz"},"items":[{"metadata":{"name":"gen-abcde","uid":"11111111-1111-1111-1111-111111111111","resourceVersion":"100"}}]}`,
		`{"kind":"Status","message":"x is invalid: [b: no, a: no]","details":{"causes":[{"field":"b"},{"field":"a"}]}}`,
	}
	b := []string{
		`{"kind":"ConfigMap","metadata":{"name":"gen-xyz12","generateName":"gen-","uid":"22222222-2222-2222-2222-222222222222","resourceVersion":"7","creationTimestamp":"2030-05-05T05:05:05Z"}}`,
		`{"kind":"ConfigMapList","metadata":{"resourceVersion":"7","continue":"other"},"items":[{"metadata":{"name":"gen-xyz12","uid":"22222222-2222-2222-2222-222222222222","resourceVersion":"7"}}]}`,
		`{"kind":"Status","message":"x is invalid: [a: no, b: no]","details":{"causes":[{"field":"a"},{"field":"b"}]}}`,
	}
	na, nb := newNormalizer(), newNormalizer()
	for i := range a {
		x := na.answer(Answer{Code: 200, Body: decode(t, a[i])})
		y := nb.answer(Answer{Code: 200, Body: decode(t, b[i])})
		assert.Empty(t, compare(x, y), "answer %d", i)
	}
	// The same placeholder where the same value comes back.
	got := na.answer(Answer{Body: decode(t, `{"kind":"ConfigMap","metadata":{"uid":"11111111-1111-1111-1111-111111111111","resourceVersion":"100"}}`)})
	assert.Equal(t, "<uid1>", got.Body.(map[string]any)["metadata"].(map[string]any)["uid"])
	assert.Equal(t, "<rv1>", got.Body.(map[string]any)["metadata"].(map[string]any)["resourceVersion"])
}

// TestCompare: differences name their field and kind; a Status against an
// object is one difference.
func TestCompare(t *testing.T) {
	real := Answer{Code: 200, Body: decode(t, `{"kind":"ConfigMapList","items":[{"metadata":{"name":"a"},"data":{"k":"1"}}]}`)}
	fake := Answer{Code: 200, Body: decode(t, `{"kind":"ConfigMapList","items":[{"metadata":{"name":"a"},"data":{"k":"2","x":"3"}}]}`)}
	diffs := compare(real, fake)
	require.Len(t, diffs, 2)
	assert.Equal(t, "body.items[0].data.k", diffs[0].Field)
	assert.Equal(t, "ConfigMap", diffs[0].Kind)
	assert.Equal(t, `"1"`, diffs[0].Real)
	assert.Equal(t, "body.items[0].data.x", diffs[1].Field)
	assert.Equal(t, "", diffs[1].Real)

	status := Answer{Code: 422, Body: decode(t, `{"kind":"Status","reason":"Invalid","message":"no"}`)}
	diffs = compare(status, fake)
	require.Len(t, diffs, 2)
	assert.Equal(t, "code", diffs[0].Field)
	assert.Equal(t, "body", diffs[1].Field)
}

// TestScenarios: the suite is as large as issue 14 asks, and every
// scenario can run in a namespace of its own.
func TestScenarios(t *testing.T) {
	all := Scenarios()
	assert.GreaterOrEqual(t, len(all), 40)
	steps, names := 0, map[string]bool{}
	label := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	for _, s := range all {
		assert.False(t, names[s.Name], "scenario %s twice", s.Name)
		names[s.Name] = true
		assert.Regexp(t, label, s.Namespace())
		for _, st := range s.Steps {
			if st.Action != Compact {
				steps++
			}
		}
	}
	assert.GreaterOrEqual(t, steps, 300)
}
