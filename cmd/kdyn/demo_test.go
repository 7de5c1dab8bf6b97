package main

import (
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

	// Steps 10 to 12: a reconciler on the cache, started while the CRD is gone.
	assert.Contains(t, out, "ConfigMap informer: Synced with 0 objects; CronTab informer: Waiting")
	assert.Contains(t, out, "the CronTab informer found its kind and synced: Synced, 2 objects")
	for _, line := range []string{
		`reconcile nightly: created configmap crontab-nightly with schedule "0 3 * * *"`,
		`reconcile hourly: created configmap crontab-hourly with schedule "0 * * * *"`,
		"reconcile nightly: the CronTab is gone, deleted configmap crontab-nightly",
		"reconcile hourly: the CronTab is gone, deleted configmap crontab-hourly",
		"the CronTab informer: Waiting, 0 objects",
	} {
		assert.Contains(t, out, "   "+line+"\n")
	}
	assert.Regexp(t, `\ndone: \d+ requests in all \(17 for steps 1-9\)\n$`, out)
	assert.Empty(t, r.stderr)
}

func TestDemoRejectsArguments(t *testing.T) {
	assert.ErrorIs(t, runCommand(t.Context(), "demo", "x").err, errUsage)
}
