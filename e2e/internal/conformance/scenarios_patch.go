package conformance

import "fmt"

// deployment is a Deployment's JSON with one container per name.
func deployment(name string, replicas int, containers ...string) string {
	cs := ""
	for i, c := range containers {
		if i > 0 {
			cs += ","
		}
		cs += fmt.Sprintf(`{"name":%q,"image":"img-%s"}`, c, c)
	}
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q},"spec":{"replicas":%d,`+
		`"selector":{"matchLabels":{"app":%q}},"template":{"metadata":{"labels":{"app":%q}},"spec":{"containers":[%s]}}}}`,
		name, replicas, name, name, cs)
}

// patchScenarios: the three patch types, their errors, and server-side
// apply with conflicts and force.
func patchScenarios() []Scenario {
	return []Scenario{
		{Name: "json-patch", Steps: []Step{
			Post(cms, cm("j", "a=1", "b=2")),
			Patch(JSONPatch, cms+"/j", `[{"op":"add","path":"/data/c","value":"3"},{"op":"remove","path":"/data/a"},{"op":"replace","path":"/data/b","value":"20"}]`),
			Patch(JSONPatch, cms+"/j", `[{"op":"test","path":"/data/b","value":"20"},{"op":"copy","from":"/data/b","path":"/data/d"},{"op":"move","from":"/data/c","path":"/data/e"}]`),
			Patch(JSONPatch, cms+"/j", `[{"op":"test","path":"/data/b","value":"nope"}]`).Named("failed test"),
			Patch(JSONPatch, cms+"/j", `[{"op":"remove","path":"/data/missing"}]`).Named("remove a missing key"),
			Patch(JSONPatch, cms+"/j", `[{"op":"replace","path":"/spec/x","value":1}]`).Named("replace under a missing parent"),
			Patch(JSONPatch, cms+"/j", `[{"op":"frob","path":"/data/b"}]`).Named("unknown op"),
			Patch(JSONPatch, cms+"/j", `{"op":"add"}`).Named("not a list"),
			Patch(JSONPatch, cms+"/j", `[{"op":"add","path":"/data/n","value":5}]`).Named("wrong type"),
			Patch(JSONPatch, cms+"/j", `[{"op":"replace","path":"/metadata/name","value":"other"}]`).Named("rename"),
			Patch(JSONPatch, cms+"/missing", `[{"op":"add","path":"/data/x","value":"1"}]`).Named("missing object"),
			Get(cms + "/j"),
		}},
		{Name: "merge-patch", Steps: []Step{
			Post(cms, cm("m", "a=1", "b=2", "label:keep=1", "label:drop=1")),
			Patch(MergePatch, cms+"/m", `{"data":{"a":null,"c":"3"},"metadata":{"labels":{"drop":null}}}`),
			Patch(MergePatch, cms+"/m", `{"data":null}`).Named("null removes the map"),
			Patch(MergePatch, cms+"/m", `{"data":`).Named("truncated"),
			Patch(MergePatch, cms+"/m", `[1,2]`).Named("a list"),
			Patch(MergePatch, cms+"/m", `{"metadata":{"name":"renamed"}}`).Named("rename"),
			Patch(MergePatch, cms+"/m", `{"data":{"bad key":"x"}}`).Named("invalid after the patch"),
			Patch("application/xml", cms+"/m", `<x/>`).Named("unsupported content type"),
			Get(cms + "/m"),
		}},
		{Name: "strategic-merge-patch", Steps: []Step{
			Post(deploys, deployment("d", 1, "a", "b")),
			Patch(StrategicPatch, deploys+"/d", `{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"new"},{"name":"c","image":"img-c"}]}}}}`).Named("containers merge by name"),
			Patch(StrategicPatch, deploys+"/d", `{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}}}`).Named("delete directive"),
			Patch(StrategicPatch, deploys+"/d", `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"b"}]}}}}`).Named("element order"),
			Patch(StrategicPatch, deploys+"/d", `{"spec":{"replicas":"x"}}`).Named("wrong type"),
			Patch(StrategicPatch, deploys+"/d", `{"spec":{"template":{"spec":{"containers":[{"name":"b","$patch":"frob"}]}}}}`).Named("unknown directive"),
			Patch(StrategicPatch, cms+"/nothing", `{"data":{"a":"1"}}`).Named("missing object"),
			Get(deploys + "/d"),
		}},
		{Name: "apply", Steps: []Step{
			Apply(cms+"/ap?fieldManager=alice", cm("ap", "a=1", "label:owner=alice")).Named("apply creates"),
			Apply(cms+"/ap?fieldManager=alice", cm("ap", "a=1", "label:owner=alice")).Named("no-op apply"),
			Apply(cms+"/ap?fieldManager=bob", cm("ap", "a=2")).Named("conflict"),
			Apply(cms+"/ap?fieldManager=bob&force=true", cm("ap", "a=2")).Named("force"),
			Apply(cms+"/ap?fieldManager=alice", cm("ap", "label:owner=alice")).Named("alice gives up a"),
			Apply(cms+"/ap?fieldManager=bob", cm("ap", "b=1")).Named("bob drops a, adds b"),
			Patch(MergePatch, cms+"/ap?fieldManager=carol", `{"data":{"b":"9"}}`).Named("an update takes b"),
			Apply(cms+"/ap?fieldManager=bob", cm("ap", "b=1")).Named("conflict with an update"),
			Apply(cms+"/ap", cm("ap")).Named("no field manager"),
			Apply(cms+"/ap?fieldManager=bob&force=maybe", cm("ap")).Named("bad force"),
			Apply(cms+"/other?fieldManager=bob", cm("ap")).Named("name mismatch"),
			Apply(cms+"/ap?fieldManager=bob", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ap"},"data":{"b":1}}`).Named("wrong type"),
			Apply(cms+"/ap?fieldManager=bob", `apiVersion: v1`+"\n"+`kind: ConfigMap`+"\n"+`metadata: {name: ap}`+"\n"+`data: {b: "2"}`).Named("YAML"),
			Apply(cms+"/ap?fieldManager=bob", `{"kind":"ConfigMap","metadata":{"name":"ap"}}`).Named("no apiVersion"),
			Get(cms + "/ap"),
		}},
		{Name: "apply-deployment", Steps: []Step{
			Apply(deploys+"/ad?fieldManager=gitops", deployment("ad", 2, "app", "sidecar")),
			Patch(MergePatch, deploys+"/ad/scale?fieldManager=hpa", `{"spec":{"replicas":5}}`).Named("the autoscaler scales"),
			Apply(deploys+"/ad?fieldManager=gitops", deployment("ad", 3, "app", "sidecar")).Named("conflict on replicas"),
			Apply(deploys+"/ad?fieldManager=gitops", deployment("ad", 3, "app")).Named("still in conflict"),
			Apply(deploys+"/ad?fieldManager=gitops&force=true", deployment("ad", 3, "app")).Named("forced, sidecar dropped"),
			Apply(deploys+"/ad?fieldManager=other", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"ad"},"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"x"}]}}}}`).Named("a second manager adds a container"),
			Get(deploys + "/ad"),
			Apply(deploys+"/ad?fieldManager=gitops", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"ad"},"spec":{"bogus":1}}`).Named("unknown field"),
		}},
	}
}
