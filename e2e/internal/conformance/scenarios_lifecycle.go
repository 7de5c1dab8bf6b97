package conformance

import "fmt"

// owned is a ConfigMap owned by the object saved as {$uid}.
func owned(name, owner string, extra string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":%q,"uid":"{$uid}"%s}]}}`, name, owner, extra)
}

// lifecycleScenarios: finalizers, delete options, owner references and
// namespaces, as the API server alone treats them (no controllers run).
func lifecycleScenarios() []Scenario {
	return []Scenario{
		{Name: "finalizers", Steps: []Step{
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","finalizers":["example.com/hold"]}}`).Saving("rv", "metadata.resourceVersion"),
			Delete(cms + "/f").Named("delete marks it"),
			Get(cms + "/f"),
			Delete(cms + "/f").Named("delete again"),
			Patch(MergePatch, cms+"/f", `{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}`).Named("no new finalizers"),
			Patch(MergePatch, cms+"/f", `{"data":{"a":"1"}}`).Named("other changes are fine"),
			Patch(MergePatch, cms+"/f", `{"metadata":{"deletionTimestamp":null}}`).Named("deletionTimestamp stays"),
			Patch(MergePatch, cms+"/f", `{"metadata":{"finalizers":null}}`).Named("the last finalizer goes"),
			Get(cms + "/f").Named("gone"),
			WatchOf(cms + "?resourceVersion={$rv}"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"g","finalizers":["no-domain","a/b/c"]}}`).Named("finalizer names"),
		}},
		{Name: "delete-options", Steps: []Step{
			Post(cms, cm("d1")).Saving("uid", "metadata.uid").Saving("rv", "metadata.resourceVersion"),
			Delete(cms+"/d1", `{"preconditions":{"uid":"0b3c1bb7-5d2e-4c2a-9a4a-1b1b1b1b1b1b"}}`).Named("uid precondition fails"),
			Patch(MergePatch, cms+"/d1", `{"data":{"a":"1"}}`),
			Delete(cms+"/d1", `{"preconditions":{"resourceVersion":"{$rv}"}}`).Named("resourceVersion precondition fails"),
			Delete(cms+"/d1", `{"propagationPolicy":"Sometimes"}`).Named("unknown policy"),
			Delete(cms+"/d1", `{"gracePeriodSeconds":-5}`).Named("negative grace period"),
			Delete(cms+"/d1", `{"orphanDependents":true,"propagationPolicy":"Background"}`).Named("both orphan and a policy"),
			Delete(cms+"/d1", `{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"{$uid}"}}`).Named("uid precondition holds"),
			Post(cms, cm("d2")),
			Delete(cms + "/d2?gracePeriodSeconds=0&propagationPolicy=Background").Named("options in the query"),
			Delete(cms+"/d2", `{"bad json`).Named("bad body"),
		}},
		{Name: "delete-collection", Steps: append(manyConfigMaps("dc", 4),
			Delete(cms+"?labelSelector=n%3D1").Named("by label"),
			Get(cms),
			Delete(cms+"?dryRun=All").Named("dry run"),
			Get(cms),
			Delete(cms),
			Get(cms),
		)},
		{Name: "owner-references", Steps: []Step{
			Post(cms, cm("owner")).Saving("uid", "metadata.uid"),
			Post(cms, owned("dep1", "owner", `,"controller":true,"blockOwnerDeletion":true`)),
			Post(cms, owned("dep2", "owner", "")),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad1","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner"}]}}`).Named("no uid"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad2","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{$uid}","controller":true},{"apiVersion":"v1","kind":"ConfigMap","name":"o2","uid":"0b3c1bb7-5d2e-4c2a-9a4a-1b1b1b1b1b1b","controller":true}]}}`).Named("two controllers"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad3","ownerReferences":[{"apiVersion":"","kind":"","name":"","uid":"{$uid}"}]}}`).Named("empty reference"),
			Delete(cms+"/owner", `{"propagationPolicy":"Foreground"}`).Named("foreground"),
			Get(cms + "/owner").Named("owner waits for its dependents"),
			Get(cms + "/dep1"),
			Post(cms, cm("owner2")).Saving("uid", "metadata.uid"),
			Post(cms, owned("dep3", "owner2", "")),
			Delete(cms+"/owner2", `{"propagationPolicy":"Orphan"}`).Named("orphan"),
			Get(cms + "/owner2"),
			Delete(cms + "/dep3?propagationPolicy=Background").Named("background"),
			Get(cms + "/dep3"),
		}},
		{Name: "namespace-lifecycle", Cluster: true, Steps: []Step{
			Post(namespace, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{ns}"}}`),
			Get(nsPath),
			Post(namespace, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"Bad_NS"}}`).Named("invalid name"),
			Post(cms, cm("inside")),
			Delete(nsPath).Named("delete: Terminating"),
			Get(nsPath),
			Post(cms, cm("late")).Named("no new content"),
			Get(cms + "/inside").Named("content stays without a controller"),
			Patch(MergePatch, nsPath, `{"metadata":{"labels":{"x":"y"}}}`).Named("labels may change"),
			Put(nsPath+"/finalize", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{ns}"},"spec":{"finalizers":[]}}`).Named("finalize"),
			Delete(nsPath).Named("delete once finalized"),
			Get(nsPath).Named("then gone"),
			Delete("/api/v1/namespaces/default").Named("default cannot go"),
			Delete("/api/v1/namespaces/kube-system").Named("kube-system cannot go"),
		}},
		{Name: "namespace-status", Cluster: true, Steps: []Step{
			Post(namespace, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{ns}","labels":{"kubernetes.io/metadata.name":"wrong"}},"spec":{"finalizers":["example.com/x"]}}`),
			Put(nsPath+"/status", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{ns}"},"status":{"phase":"Terminating"}}`).Named("status update"),
			Get(nsPath),
			Patch(MergePatch, nsPath, `{"spec":{"finalizers":[]}}`).Named("spec.finalizers only through finalize"),
			Get(nsPath),
		}},
	}
}
