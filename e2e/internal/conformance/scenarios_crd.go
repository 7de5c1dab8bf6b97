package conformance

import (
	"fmt"
	"strings"
)

// widgetSchema is the structural schema of the suite's custom resources.
const widgetSchema = `{"openAPIV3Schema":{"type":"object","properties":{` +
	`"spec":{"type":"object","required":["size"],"properties":{"size":{"type":"integer","minimum":1},"color":{"type":"string","default":"blue"},"replicas":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}}},` +
	`"status":{"type":"object","properties":{"ready":{"type":"boolean"},"replicas":{"type":"integer"},"selector":{"type":"string"}}}}}}`

// crdBody is a CRD of plural in group with versions (JSON objects).
func crdBody(plural, group, kind, scope string, versions ...string) string {
	return fmt.Sprintf(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"%s.%s"},`+
		`"spec":{"group":%q,"scope":%q,"names":{"plural":%q,"singular":%q,"kind":%q,"shortNames":[%q]},"versions":[%s]}}`,
		plural, group, group, scope, plural, strings.ToLower(kind), kind, plural[:3]+"x", strings.Join(versions, ","))
}

// crdVersion is one version of the suite's CRDs, with subresources and
// printer columns when full.
func crdVersion(name string, storage, full bool) string {
	v := fmt.Sprintf(`{"name":%q,"served":true,"storage":%t,"schema":%s`, name, storage, widgetSchema)
	if full {
		v += `,"subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}}` +
			`,"additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"},{"name":"Ready","type":"boolean","jsonPath":".status.ready"},{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]`
	}
	return v + "}"
}

// crd is the namespaced CRD of one scenario: plural "<name>s" in group
// "<name>.conf.kdyn.dev", kind from name, version v1 with subresources.
type crd struct{ plural, group, kind string }

func newCRD(name string) crd {
	return crd{plural: name + "s", group: name + ".conf.kdyn.dev", kind: strings.ToUpper(name[:1]) + name[1:]}
}

func (c crd) name() string { return c.plural + "." + c.group }
func (c crd) path() string { return crdsPath + "/" + c.name() }

// objects is the path of its objects in {ns} at version v.
func (c crd) objects(v string) string {
	return "/apis/" + c.group + "/" + v + "/namespaces/{ns}/" + c.plural
}

func (c crd) body(versions ...string) string {
	return crdBody(c.plural, c.group, c.kind, "Namespaced", versions...)
}

// obj is one of its objects at v1 with spec.
func (c crd) obj(name, spec string) string {
	return fmt.Sprintf(`{"apiVersion":"%s/v1","kind":%q,"metadata":{"name":%q},"spec":%s}`, c.group, c.kind, name, spec)
}

// install creates the CRD and waits until both servers serve it.
func (c crd) install(versions ...string) []Step {
	return []Step{
		Post(crdsPath, c.body(versions...)).Named("create the CRD"),
		PollUntil(c.objects("v1"), 200).Named("served"),
	}
}

// uninstall deletes the CRD and waits until its objects are gone.
func (c crd) uninstall() []Step {
	return []Step{
		Delete(c.path()).Named("delete the CRD"),
		PollUntil(c.path(), 404).Named("the CRD is gone"),
		PollUntil(c.objects("v1"), 404).Named("its objects are gone"),
	}
}

func steps(groups ...[]Step) []Step {
	var out []Step
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// crdScenarios: CRD install, update and delete, and every verb on custom
// resources with their status and scale subresources.
func crdScenarios() []Scenario {
	life, verbs, sub, fv := newCRD("lifer"), newCRD("verber"), newCRD("suber"), newCRD("valider")
	return []Scenario{
		{Name: "crd-lifecycle", Steps: steps(life.install(crdVersion("v1", true, true)), []Step{
			Get(life.path()),
			Post(life.objects("v1"), life.obj("a", `{"size":2}`)),
			Get(life.objects("v1")).Accepting(TableAccept),
			Patch(MergePatch, life.path(), `{"spec":{"versions":[`+crdVersion("v1", true, true)+`,`+crdVersion("v2", false, false)+`]}}`).Named("add a version"),
			PollUntil(strings.Replace(life.objects("v1"), "/v1/", "/v2/", 1)+"/a", 200).Named("read at the new version"),
			// Polled: the real server answers 429 while it reinitializes the
			// CRD's storage after the change.
			PollUntil(strings.Replace(life.objects("v1"), "/v1/", "/v2/", 1), 200).Accepting(TableAccept).Named("a version without columns"),
			Patch(MergePatch, life.path(), `{"spec":{"group":"other.conf.kdyn.dev"}}`).Named("group is immutable"),
			Post(crdsPath, life.body(crdVersion("v1", true, true))).Named("already exists"),
		}, life.uninstall(), []Step{
			Get(life.objects("v1") + "/a").Named("objects of a deleted CRD"),
		})},
		{Name: "crd-errors", Cluster: true, Steps: []Step{
			Post(crdsPath, strings.Replace(newCRD("bad").body(crdVersion("v1", true, false)), `"name":"bads.bad.conf.kdyn.dev"`, `"name":"wrong.bad.conf.kdyn.dev"`, 1)).Named("name is not plural.group"),
			Post(crdsPath, newCRD("bad").body()).Named("no versions"),
			Post(crdsPath, newCRD("bad").body(crdVersion("v1", false, false))).Named("no storage version"),
			Post(crdsPath, strings.Replace(newCRD("bad").body(crdVersion("v1", true, false)), `"Namespaced"`, `"Everywhere"`, 1)).Named("bad scope"),
			Post(crdsPath, strings.Replace(newCRD("bad").body(crdVersion("v1", true, false)), `"kind":"Bad"`, `"kind":"bad kind"`, 1)).Named("bad kind"),
			Get(crdsPath + "/nothings.conf.kdyn.dev").Named("missing CRD"),
		}},
		{Name: "cr-verbs", Steps: steps(verbs.install(crdVersion("v1", true, true)), []Step{
			Post(verbs.objects("v1"), verbs.obj("v", `{"size":1}`)).Saving("rv", "metadata.resourceVersion"),
			Post(verbs.objects("v1"), verbs.obj("v", `{"size":1}`)).Named("already exists"),
			Post(verbs.objects("v1"), verbs.obj("bad", `{"size":0,"color":3}`)).Named("invalid"),
			Post(verbs.objects("v1"), verbs.obj("bad", `{}`)).Named("required field"),
			Get(verbs.objects("v1") + "/v"),
			Put(verbs.objects("v1")+"/v", verbs.obj("v", `{"size":3}`)).Named("update without a resourceVersion"),
			Put(verbs.objects("v1")+"/v", strings.Replace(verbs.obj("v", `{"size":3}`), `"name":"v"`, `"name":"v","resourceVersion":"{$rv}"`, 1)).Named("update"),
			Put(verbs.objects("v1")+"/v", strings.Replace(verbs.obj("v", `{"size":4}`), `"name":"v"`, `"name":"v","resourceVersion":"{$rv}"`, 1)).Named("conflict"),
			Patch(MergePatch, verbs.objects("v1")+"/v", `{"spec":{"tags":["a"]}}`),
			Patch(JSONPatch, verbs.objects("v1")+"/v", `[{"op":"add","path":"/spec/tags/-","value":"b"}]`),
			Patch(StrategicPatch, verbs.objects("v1")+"/v", `{"spec":{"size":5}}`).Named("strategic merge is refused"),
			Patch(MergePatch, verbs.objects("v1")+"/v", `{"spec":{"size":"big"}}`).Named("patched to invalid"),
			Apply(verbs.objects("v1")+"/v?fieldManager=ops", verbs.obj("v", `{"size":9}`)).Named("apply conflicts with the updates"),
			Apply(verbs.objects("v1")+"/v?fieldManager=ops&force=true", verbs.obj("v", `{"size":9}`)).Named("forced"),
			Apply(verbs.objects("v1")+"/w?fieldManager=ops", verbs.obj("w", `{"size":1,"tags":["x"]}`)).Named("apply creates"),
			Get(verbs.objects("v1")),
			Get(verbs.objects("v1") + "?labelSelector=none%3Dhere"),
			Get("/apis/" + verbs.group + "/v1/" + verbs.plural).Named("across namespaces"),
			Delete(verbs.objects("v1") + "/w"),
			WatchOf(verbs.objects("v1") + "?resourceVersion={$rv}"),
			Get("/apis/" + verbs.group + "/v9/namespaces/{ns}/" + verbs.plural).Named("unserved version"),
		}, verbs.uninstall())},
		{Name: "cr-subresources", Steps: steps(sub.install(crdVersion("v1", true, true)), []Step{
			Post(sub.objects("v1"), strings.Replace(sub.obj("s", `{"size":1,"replicas":2}`), `"spec"`, `"status":{"ready":true},"spec"`, 1)).Named("status is dropped on create").Saving("rv", "metadata.resourceVersion"),
			Patch(MergePatch, sub.objects("v1")+"/s/status", `{"status":{"ready":true,"replicas":2,"selector":"app=s"},"spec":{"size":7}}`).Named("status ignores spec"),
			Patch(MergePatch, sub.objects("v1")+"/s", `{"status":{"ready":false},"spec":{"size":3}}`).Named("the main resource ignores status"),
			Get(sub.objects("v1") + "/s/status"),
			Get(sub.objects("v1") + "/s/scale"),
			Put(sub.objects("v1")+"/s/scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"s"},"spec":{"replicas":4}}`).Named("scale"),
			Patch(MergePatch, sub.objects("v1")+"/s/scale", `{"spec":{"replicas":6}}`),
			Patch(MergePatch, sub.objects("v1")+"/s/scale", `{"spec":{"replicas":-1}}`).Named("negative replicas"),
			Put(sub.objects("v1")+"/s/scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"other"},"spec":{"replicas":4}}`).Named("scale of another name"),
			Get(sub.objects("v1") + "/missing/scale"),
			Get(sub.objects("v1") + "/s"),
			Get(sub.objects("v1") + "/s/bogus").Named("unknown subresource"),
			Get(sub.objects("v1")).Accepting(TableAccept),
		}, sub.uninstall())},
		{Name: "cr-field-validation", Steps: steps(fv.install(crdVersion("v1", true, false)), []Step{
			Post(fv.objects("v1"), fv.obj("warn", `{"size":1,"bogus":1}`)).Named("Warn by default"),
			Post(fv.objects("v1")+"?fieldValidation=Strict", fv.obj("strict", `{"size":1,"bogus":1,"more":{"x":1}}`)),
			Post(fv.objects("v1")+"?fieldValidation=Ignore", fv.obj("ignore", `{"size":1,"bogus":1}`)),
			Post(fv.objects("v1")+"?fieldValidation=Warn", `{"apiVersion":"`+fv.group+`/v1","kind":"Valider","metadata":{"name":"dup"},"spec":{"size":1,"size":2}}`).Named("duplicate field"),
			Post(fv.objects("v1")+"?fieldValidation=Strict", `{"apiVersion":"`+fv.group+`/v1","kind":"Valider","metadata":{"name":"dup2"},"spec":{"size":1,"size":2}}`).Named("duplicate field strict"),
			Patch(MergePatch, fv.objects("v1")+"/warn?fieldValidation=Strict", `{"spec":{"bogus":2}}`),
			Post(fv.objects("v1")+"?fieldValidation=Sometimes", fv.obj("x", `{"size":1}`)).Named("unknown fieldValidation"),
		}, fv.uninstall())},
	}
}
