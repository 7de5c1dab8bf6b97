package conformance

import (
	"fmt"
	"strings"
)

// Paths every scenario uses; {ns} is the scenario's namespace.
const (
	cms       = "/api/v1/namespaces/{ns}/configmaps"
	secrets   = "/api/v1/namespaces/{ns}/secrets"
	pts       = "/api/v1/namespaces/{ns}/podtemplates"
	deploys   = "/apis/apps/v1/namespaces/{ns}/deployments"
	nsPath    = "/api/v1/namespaces/{ns}"
	crdsPath  = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
	namespace = "/api/v1/namespaces"
)

// cm is a ConfigMap's JSON: name, then "key=value" data entries, and
// labels as "label:key=value".
func cm(name string, entries ...string) string {
	var data, labels []string
	for _, e := range entries {
		k, v, _ := strings.Cut(e, "=")
		if l, ok := strings.CutPrefix(k, "label:"); ok {
			labels = append(labels, fmt.Sprintf("%q:%q", l, v))
			continue
		}
		data = append(data, fmt.Sprintf("%q:%q", k, v))
	}
	meta := fmt.Sprintf(`"name":%q`, name)
	if len(labels) > 0 {
		meta += `,"labels":{` + strings.Join(labels, ",") + `}`
	}
	return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{` + meta + `},"data":{` + strings.Join(data, ",") + `}}`
}

// coreScenarios: every verb on a built-in kind and the errors of each.
func coreScenarios() []Scenario {
	return []Scenario{
		{Name: "configmap-crud", Steps: []Step{
			Post(cms, cm("a", "k=v", "label:app=x")).Saving("rv", "metadata.resourceVersion"),
			Get(cms + "/a"),
			Get(cms),
			Put(cms+"/a", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"{$rv}"},"data":{"k":"v2"}}`),
			Put(cms+"/a", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v3"}}`).Named("unconditional update"),
			Patch(MergePatch, cms+"/a", `{"data":{"n":"1"},"metadata":{"annotations":{"x":"y"}}}`),
			Get(cms + "/a"),
			Delete(cms + "/a"),
			Get(cms + "/a").Named("get after delete"),
			Delete(cms + "/a").Named("delete again"),
			Get(cms),
		}},
		{Name: "create-errors", Steps: []Step{
			Post(cms, cm("dup")),
			Post(cms, cm("dup")).Named("already exists"),
			Post(cms, cm("Bad_Name")).Named("invalid name"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{},"data":{}}`).Named("no name"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}`).Named("namespace mismatch"),
			Post("/api/v1/namespaces/cf-no-such-namespace/configmaps", cm("x")).Named("namespace not found"),
			Post(cms, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}`).Named("wrong kind"),
			Post(cms, `{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}`).Named("wrong version"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"`).Named("truncated JSON"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"1"}}`).Named("resourceVersion on create"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"bad key":"v"}}`).Named("invalid data key"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":1}}`).Named("wrong type"),
			Put(cms, cm("x")).Named("PUT on a collection"),
			Get("/api/v1/namespaces/{ns}/nothings").Named("unknown resource"),
			Get("/apis/no.such.group/v1/things").Named("unknown group"),
			Get(cms + "/no-such").Named("not found"),
		}},
		{Name: "update-errors", Steps: []Step{
			Post(cms, cm("u", "a=1")).Saving("rv", "metadata.resourceVersion"),
			Patch(MergePatch, cms+"/u", `{"data":{"a":"2"}}`),
			Put(cms+"/u", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u","resourceVersion":"{$rv}"},"data":{"a":"3"}}`).Named("stale resourceVersion"),
			Put(cms+"/u", cm("other")).Named("name mismatch"),
			Put(cms+"/missing", cm("missing")).Named("update of a missing object"),
			Put(cms+"/u", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u","resourceVersion":"abc"}}`).Named("bad resourceVersion"),
			Put(cms+"/u", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u","uid":"0b3c1bb7-5d2e-4c2a-9a4a-1b1b1b1b1b1b"}}`).Named("wrong uid"),
			Patch(MergePatch, cms+"/u", `{"metadata":{"resourceVersion":"{$rv}"},"data":{"a":"4"}}`).Named("patch with a stale resourceVersion"),
			Get(cms + "/u"),
		}},
		{Name: "immutable-configmap", Steps: []Step{
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"frozen"},"data":{"a":"1"},"immutable":true}`),
			Patch(MergePatch, cms+"/frozen", `{"data":{"a":"2"}}`).Named("change data"),
			Patch(MergePatch, cms+"/frozen", `{"immutable":false}`).Named("unfreeze"),
			Patch(MergePatch, cms+"/frozen", `{"metadata":{"labels":{"ok":"yes"}}}`).Named("labels may change"),
			Delete(cms + "/frozen"),
		}},
		{Name: "secrets", Steps: []Step{
			Post(secrets, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"user":"admin"},"data":{"pw":"cGFzcw=="}}`),
			Get(secrets + "/s"),
			Post(secrets, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bad"},"data":{"pw":"not base64!"}}`).Named("data not base64"),
			Post(secrets, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls"},"type":"kubernetes.io/tls","data":{}}`).Named("tls without its keys"),
			Patch(MergePatch, secrets+"/s", `{"type":"kubernetes.io/tls"}`).Named("type is immutable"),
			Get(secrets),
		}},
		{Name: "generate-name", Steps: []Step{
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-"}}`).Saving("first", "metadata.name"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-"}}`).Saving("second", "metadata.name"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-","name":"fixed"}}`).Named("name wins"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"Bad_"}}`).Named("invalid prefix"),
			Get(cms + "/{$first}"),
			Delete(cms + "/{$second}"),
			Get(cms),
		}},
		{Name: "label-selectors", Steps: append([]Step{
			Post(cms, cm("l1", "label:app=web", "label:tier=front")),
			Post(cms, cm("l2", "label:app=web", "label:tier=back")),
			Post(cms, cm("l3", "label:app=db")),
			Post(cms, cm("l4")),
		}, selectorSteps(cms, "labelSelector",
			"app=web", "app!=web", "app in (web,db)", "app notin (web)", "tier", "!tier", "app=web,tier=back",
			"app=", "app in (", "Bad Key=1")...)},
		{Name: "field-selectors", Steps: append([]Step{
			Post(cms, cm("f1")),
			Post(cms, cm("f2")),
		}, selectorSteps(cms, "fieldSelector",
			"metadata.name=f1", "metadata.name!=f1", "metadata.namespace={ns}", "metadata.namespace=other",
			"data.k=v", "metadata.name==f2", "metadata.name")...)},
	}
}

// selectorSteps lists path once with each selector.
func selectorSteps(path, param string, selectors ...string) []Step {
	var out []Step
	for _, s := range selectors {
		out = append(out, Get(path+"?"+param+"="+queryEscape(s)).Named(param+" "+s))
	}
	return out
}

// queryEscape escapes a query value but keeps {ns} and {$var} readable.
func queryEscape(s string) string {
	r := strings.NewReplacer(" ", "%20", "=", "%3D", "!", "%21", "(", "%28", ")", "%29", ",", "%2C")
	return r.Replace(s)
}
