package conformance

// miscScenarios: dryRun, field validation of built-in kinds, built-in
// subresources and the answers of unsupported requests.
func miscScenarios() []Scenario {
	return []Scenario{
		{Name: "dry-run", Steps: []Step{
			Post(cms+"?dryRun=All", cm("dry", "a=1")).Named("create"),
			Get(cms + "/dry").Named("not stored"),
			Post(cms, cm("wet", "a=1")),
			Put(cms+"/wet?dryRun=All", cm("wet", "a=2")).Named("update"),
			Patch(MergePatch, cms+"/wet?dryRun=All", `{"data":{"b":"1"}}`).Named("patch"),
			Apply(cms+"/wet?dryRun=All&fieldManager=m", cm("wet", "c=1")).Named("apply"),
			Delete(cms + "/wet?dryRun=All").Named("delete"),
			Get(cms + "/wet").Named("unchanged"),
			Post(cms+"?dryRun=Some", cm("x")).Named("unknown dryRun"),
			Post(cms+"?dryRun=All", cm("Bad_Name")).Named("validated"),
			Post(cms+"?dryRun=All", cm("wet")).Named("already exists"),
		}},
		{Name: "field-validation", Steps: []Step{
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warn","bogus":1},"data":{},"extra":true}`).Named("Warn by default"),
			Post(cms+"?fieldValidation=Strict", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict","bogus":1},"extra":true}`),
			Post(cms+"?fieldValidation=Ignore", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignore"},"extra":true}`),
			Post(cms+"?fieldValidation=Strict", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup2"}}`).Named("duplicate field strict"),
			Post(cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup3"},"data":{"a":"1"},"data":{"b":"2"}}`).Named("duplicate field warned"),
			Post(cms+"?fieldValidation=bogus", cm("x")).Named("unknown fieldValidation"),
			Patch(MergePatch, cms+"/warn?fieldValidation=Strict", `{"extra":1}`).Named("merge patch strict"),
			Patch(StrategicPatch, cms+"/warn?fieldValidation=Strict", `{"extra":1}`).Named("strategic patch strict"),
			Patch(JSONPatch, cms+"/warn?fieldValidation=Strict", `[{"op":"add","path":"/extra","value":1}]`).Named("JSON patch strict"),
			Patch(MergePatch, cms+"/warn", `{"extra":1}`).Named("merge patch warned"),
			Put(cms+"/warn?fieldValidation=Strict", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warn"},"extra":1}`).Named("update strict"),
			Apply(cms+"/warn?fieldManager=m&fieldValidation=Strict", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warn"},"extra":1}`).Named("apply strict"),
			Apply(cms+"/warn?fieldManager=m", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warn"},"extra":1}`).Named("apply warned"),
			Post(deploys+"?fieldValidation=Strict", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","bogus":1}]}}}}`).Named("nested unknown field"),
		}},
		{Name: "deployment-subresources", Steps: []Step{
			Post(deploys, deployment("web", 2, "app")),
			Get(deploys + "/web/scale"),
			Put(deploys+"/web/scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","namespace":"{ns}"},"spec":{"replicas":3}}`),
			Patch(MergePatch, deploys+"/web/scale", `{"spec":{"replicas":-2}}`).Named("negative replicas"),
			Patch(MergePatch, deploys+"/web/status", `{"status":{"replicas":3,"readyReplicas":1},"spec":{"replicas":9}}`).Named("status ignores spec"),
			Patch(MergePatch, deploys+"/web", `{"spec":{"paused":true},"status":{"replicas":0}}`).Named("spec ignores status"),
			Get(deploys + "/web"),
			Get(cms + "/x/scale").Named("no scale for ConfigMaps"),
			Get(deploys).Accepting(TableAccept),
		}},
		{Name: "unsupported", Steps: []Step{
			Post(cms+"/x", cm("x")).Named("POST to a name"),
			Delete(cms + "/x/status").Named("DELETE of a subresource"),
			Patch(MergePatch, cms, `{}`).Named("PATCH of a collection"),
			Get(cms + "?watch=true&timeoutSeconds=abc").Named("bad timeoutSeconds"),
			Get(cms + "?limit=abc").Named("bad limit"),
			Get("/api/v1/namespaces/{ns}/configmaps/a/b/c").Named("too deep"),
			Get(cms).Accepting("application/vnd.unknown").Named("unacceptable"),
			Post(cms, cm("x")).Accepting("text/plain").Named("unacceptable answer to a write"),
		}},
	}
}

// Scenarios is the whole suite.
func Scenarios() []Scenario {
	var all []Scenario
	for _, group := range [][]Scenario{coreScenarios(), listScenarios(), watchScenarios(), patchScenarios(),
		lifecycleScenarios(), crdScenarios(), miscScenarios()} {
		all = append(all, group...)
	}
	return all
}
