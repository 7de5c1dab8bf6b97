package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemo(t *testing.T) {
	r := runCommand(t.Context(), "demo")
	require.NoError(t, r.err, r.stdout+r.stderr)
	out := r.stdout
	assert.Contains(t, out, "recorded cluster k8s-1.37")
	assert.Contains(t, out, "(kube-apiserver v1.37.2 recorded ")
	assert.Contains(t, out, "1. discover the cluster (aggregated discovery)\n   24 groups,")
	assert.Contains(t, out, "   cost: 2 requests: /api, /apis\n\n2.", "aggregated discovery costs 2 requests")
	assert.Contains(t, out, "deployments.v1.apps (namespaced), from the discovery data of step 1\n   cost: 0 requests")
	assert.Contains(t, out, "crontabs.stable.example.com (Established=True)")
	assert.Contains(t, out, "CronTab → crontabs.v1.stable.example.com (namespaced)")
	assert.Contains(t, out, "cost: 2 requests: /api, /apis (1 answered 304 Not Modified)\n\n5.")
	for _, ev := range []string{"MODIFIED nightly 30 3 * * *", "MODIFIED hourly 15 * * * *", "DELETED nightly", "DELETED hourly"} {
		assert.Contains(t, out, "watch: "+ev)
	}
	assert.Contains(t, out, "stable.example.com gone")
	assert.True(t, strings.HasSuffix(out, "done: 17 requests in all\n"), out)
	assert.Empty(t, r.stderr)
}

func TestDemoRejectsArguments(t *testing.T) {
	assert.ErrorIs(t, runCommand(t.Context(), "demo", "x").err, errUsage)
}
