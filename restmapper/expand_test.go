package restmapper

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExpand(t *testing.T) {
	f := loadCluster(t, clusters+"/kubernetes-1.36-dev")
	// A CRD whose short name is also used in another group, and one whose
	// short name is its own.
	f.addGroup("stable.example.com", "v1", "v1beta1")
	for _, v := range []string{"v1", "v1beta1"} {
		gv := schema.GroupVersion{Group: "stable.example.com", Version: v}
		f.addResource(gv, res("crontabs", "crontab", "CronTab", true, "ct", "cj"))
		f.addResource(gv, metav1Resource("widgets", "widget", "Widget", "all"))
	}
	m := New(f, Options{})
	ctx := context.Background()

	v1 := func(group, resource string) schema.GroupVersionResource {
		return schema.GroupVersionResource{Group: group, Version: "v1", Resource: resource}
	}
	for _, tc := range []struct {
		arg  string
		want []schema.GroupVersionResource
	}{
		{"pods", []schema.GroupVersionResource{v1("", "pods")}},
		{"pod", []schema.GroupVersionResource{v1("", "pods")}},
		{"po", []schema.GroupVersionResource{v1("", "pods")}},
		{"Pod", []schema.GroupVersionResource{v1("", "pods")}},
		{"deploy", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"deployments.apps", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"deployments.v1.apps", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"deploy.apps", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"Deployment.apps", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"Deployment.v1.apps", []schema.GroupVersionResource{v1("apps", "deployments")}},
		{"hpa", []schema.GroupVersionResource{{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}}},
		{"hpa.v1.autoscaling", []schema.GroupVersionResource{{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers"}}},
		{"ct", []schema.GroupVersionResource{v1("stable.example.com", "crontabs")}},
		{"crontabs.v1beta1.stable.example.com", []schema.GroupVersionResource{{Group: "stable.example.com", Version: "v1beta1", Resource: "crontabs"}}},
		{"cj.batch", []schema.GroupVersionResource{v1("batch", "cronjobs")}},
		{"cj.stable", []schema.GroupVersionResource{v1("stable.example.com", "crontabs")}},
		{"all", []schema.GroupVersionResource{
			v1("", "pods"), v1("", "replicationcontrollers"), v1("", "services"),
			v1("apps", "daemonsets"), v1("apps", "deployments"), v1("apps", "replicasets"), v1("apps", "statefulsets"),
			{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
			v1("batch", "cronjobs"), v1("batch", "jobs"),
			v1("stable.example.com", "widgets"),
		}},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := m.Expand(ctx, tc.arg)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, got)
		})
	}

	t.Run("ambiguous short name lists the candidates", func(t *testing.T) {
		_, err := m.Expand(ctx, "cj")
		var amb *meta.AmbiguousResourceError
		require.ErrorAs(t, err, &amb)
		assert.ElementsMatch(t, []schema.GroupVersionResource{v1("batch", "cronjobs"), v1("stable.example.com", "crontabs")}, amb.MatchingResources)
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := m.Expand(ctx, "podz")
		assert.True(t, meta.IsNoMatchError(err))
		_, err = m.Expand(ctx, "")
		assert.Error(t, err)
	})
}

func metav1Resource(name, singular, kind string, categories ...string) (r metav1.APIResource) {
	r = res(name, singular, kind, true)
	r.Categories = categories
	return r
}
