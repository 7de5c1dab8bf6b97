package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/fixture"
)

// crCase is one request sent to both servers, and what of a successful
// answer's body is compared (top-level fields; "cells" for a Table's rows
// with their date columns left out).
type crCase struct {
	name, method, path, contentType, accept, body string
	compare                                       []string
}

// crAnswer is what TestFixtureCustomResources compares of an answer.
type crAnswer struct {
	Code     int
	Reason   string
	Message  string
	Causes   []string
	Warnings []string
	Body     map[string]any
}

const (
	gadgetsPath = "/apis/probe.kdyn.dev/v1/namespaces/default/gadgets"
	gadgetsBeta = "/apis/probe.kdyn.dev/v1beta1/namespaces/default/gadgets"
	crdsPath    = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
	mergeCT     = "application/merge-patch+json"
	applyCT     = "application/apply-patch+yaml"
	tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"
)

func gadgetBody(name, version, spec string) string {
	return `{"apiVersion":"probe.kdyn.dev/` + version + `","kind":"Gadget","metadata":{"name":"` + name + `"},"spec":` + spec + `}`
}

// gadgetCases are the custom resource requests: validation, pruning and
// fieldValidation, defaulting, versions, Tables, patches, server-side
// apply and subresources.
var gadgetCases = []crCase{
	{name: "string for an integer", method: "POST", path: gadgetsPath, body: gadgetBody("two", "v1", `{"replicas":"two","color":"red"}`)},
	{name: "unknown field warned", method: "POST", path: gadgetsPath, body: gadgetBody("bogus", "v1", `{"color":"red","bogus":1,"replicas":1}`), compare: []string{"spec"}},
	{name: "unknown fields strict", method: "POST", path: gadgetsPath + "?fieldValidation=Strict",
		body: `{"apiVersion":"probe.kdyn.dev/v1","kind":"Gadget","metadata":{"name":"strict","foo":"bar"},"spec":{"color":"red","bogus":1,"zz":{"a":1}}}`},
	{name: "unknown fields ignored", method: "POST", path: gadgetsPath + "?fieldValidation=Ignore", body: gadgetBody("ignored", "v1", `{"color":"red","bogus":1}`), compare: []string{"spec"}},
	{name: "invalid values", method: "POST", path: gadgetsPath, body: gadgetBody("bad1", "v1", `{"color":"green","replicas":-1,"name":"toolongname","when":"nope","labels":{"a":1}}`)},
	{name: "required", method: "POST", path: gadgetsPath, body: gadgetBody("bad2", "v1", `{"replicas":1}`)},
	{name: "duplicates", method: "POST", path: gadgetsPath, body: gadgetBody("bad3", "v1", `{"color":"red","tags":["a","b","a","a"],"ports":[{"name":"x"},{"name":"x","port":2},{"port":3}]}`)},
	{name: "embedded resource", method: "POST", path: gadgetsPath, body: gadgetBody("bad4", "v1", `{"color":"red","template":{"metadata":{"name":"Bad_Name","bogus":1}}}`)},
	{name: "nested unknown strict", method: "POST", path: gadgetsPath + "?fieldValidation=Strict",
		body: gadgetBody("bad5", "v1", `{"color":"red","template":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ok","bogus":1},"data":{}},"extra":{"known":1,"unknown":{"deep":1}},"count":"5","items":[{"a":1,"b":2}]}`)},
	{name: "defaults and preserved fields", method: "POST", path: gadgetsPath, compare: []string{"spec"},
		body: gadgetBody("good", "v1", `{"color":"red","replicas":2,"template":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ok","labels":{}}},"extra":{"known":1,"unknown":{"deep":1}},"count":"5","nested":null,"ports":[{"name":"http"}]}`)},
	{name: "nulls", method: "POST", path: gadgetsPath, body: gadgetBody("nulls", "v1", `{"color":"red","size":null,"name":null,"nested":{"num":null,"inner":null}}`), compare: []string{"spec"}},
	{name: "bad name", method: "POST", path: gadgetsPath, body: gadgetBody("Bad_Name", "v1", `{"color":"red"}`)},
	{name: "finalizer warnings", method: "POST", path: gadgetsPath, compare: []string{"metadata.finalizers"},
		body: `{"apiVersion":"probe.kdyn.dev/v1","kind":"Gadget","metadata":{"name":"fin","finalizers":["foo","foo.bar","a/b","kubernetes"]},"spec":{"color":"red"}}`},
	{name: "read at v1", method: "GET", path: gadgetsPath + "/good", compare: []string{"apiVersion", "spec"}},
	{name: "read at a deprecated version", method: "GET", path: gadgetsBeta + "/good", compare: []string{"apiVersion", "spec"}},
	{name: "read with a custom deprecation warning", method: "GET", path: "/apis/probe.kdyn.dev/v1alpha1/namespaces/default/gadgets/good", compare: []string{"apiVersion", "spec"}},
	{name: "create at a deprecated version", method: "POST", path: gadgetsBeta, body: gadgetBody("beta", "v1beta1", `{"color":"red","size":"L"}`), compare: []string{"apiVersion", "spec"}},
	{name: "read back at the storage version", method: "GET", path: gadgetsPath + "/beta", compare: []string{"apiVersion", "spec"}},
	{name: "table", method: "GET", path: gadgetsPath, accept: tableAccept, compare: []string{"columnDefinitions", "cells"}},
	{name: "table of a version without columns", method: "GET", path: gadgetsBeta, accept: tableAccept, compare: []string{"columnDefinitions", "cells"}},
	{name: "patched unknown field strict", method: "PATCH", path: gadgetsPath + "/good?fieldValidation=Strict", contentType: mergeCT, body: `{"spec":{"bogus":1}}`},
	{name: "patched to invalid", method: "PATCH", path: gadgetsPath + "/good", contentType: mergeCT, body: `{"spec":{"bogus":1,"replicas":"x"}}`},
	{name: "apply undeclared field", method: "PATCH", path: gadgetsPath + "/ssa?fieldManager=m", contentType: applyCT, body: gadgetBody("ssa", "v1", `{"color":"red","bogus":1}`)},
	{name: "apply wrong type", method: "PATCH", path: gadgetsPath + "/ssa2?fieldManager=m", contentType: applyCT, body: gadgetBody("ssa2", "v1", `{"color":"red","replicas":"two"}`)},
	{name: "apply invalid", method: "PATCH", path: gadgetsPath + "/ssa3?fieldManager=m", contentType: applyCT, body: gadgetBody("ssa3", "v1", `{"color":"green"}`)},
	{name: "apply keyed lists", method: "PATCH", path: gadgetsPath + "/ssa4?fieldManager=m", contentType: applyCT, compare: []string{"spec", "managedFields"},
		body: gadgetBody("ssa4", "v1", `{"color":"red","ports":[{"name":"a"}],"tags":["x"]}`)},
	{name: "invalid status", method: "PATCH", path: gadgetsPath + "/good/status", contentType: mergeCT, body: `{"status":{"phase":"C","replicas":-2}}`},
	{name: "invalid scale", method: "PATCH", path: gadgetsPath + "/good/scale", contentType: mergeCT, body: `{"spec":{"replicas":-3}}`},
	// Nothing removes these finalizers but a client: without this the CRD
	// would never go.
	{name: "finalizers removed", method: "PATCH", path: gadgetsPath + "/fin", contentType: mergeCT, body: `{"metadata":{"finalizers":null}}`,
		compare: []string{"metadata.finalizers"}},
}

// afterSchemaChange are the requests sent once the CRD's v1 schema allows
// only blue and defaults spec.name: objects stored before read with the new
// default, unchanged invalid values kept (ratcheting), changed ones refused.
var afterSchemaChange = []crCase{
	{name: "new default on read", method: "GET", path: gadgetsPath + "/good", compare: []string{"spec"}},
	{name: "ratcheting keeps an unchanged value", method: "PATCH", path: gadgetsPath + "/good", contentType: mergeCT, body: `{"spec":{"replicas":3}}`, compare: []string{"spec"}},
	{name: "ratcheting refuses a changed value", method: "PATCH", path: gadgetsPath + "/good", contentType: mergeCT, body: `{"spec":{"color":"green"}}`},
	{name: "new objects get the new schema", method: "POST", path: gadgetsPath, body: gadgetBody("red", "v1", `{"color":"red"}`)},
	{name: "scope is immutable", method: "PATCH", path: crdsPath + "/gadgets.probe.kdyn.dev", contentType: mergeCT, body: `{"spec":{"scope":"Cluster"}}`},
	{name: "kind is immutable", method: "PATCH", path: crdsPath + "/gadgets.probe.kdyn.dev", contentType: mergeCT, body: `{"spec":{"names":{"kind":"Gizmo"}}}`},
	{name: "metadata of the wrong type", method: "POST", path: gadgetsPath,
		body: `{"apiVersion":"probe.kdyn.dev/v1","kind":"Gadget","metadata":{"name":"w3","labels":"x"},"spec":{"color":"blue"}}`},
	{name: "unknown metadata and spec fields", method: "POST", path: gadgetsPath, compare: []string{"spec", "metadata.labels"},
		body: `{"apiVersion":"probe.kdyn.dev/v1","kind":"Gadget","metadata":{"name":"w2","foo":"bar","labels":{"a":"b"}},"spec":{"color":"blue","bogus":1}}`},
	{name: "update without a resourceVersion", method: "PUT", path: gadgetsPath + "/w2", body: gadgetBody("w2", "v1", `{"color":"blue","bogus":2}`)},
	{name: "JSON patch strict", method: "PATCH", path: gadgetsPath + "/w2?fieldValidation=Strict", contentType: "application/json-patch+json",
		body: `[{"op":"add","path":"/spec/bogus","value":1}]`},
}

// badCRDs are CRDs both servers refuse.
var badCRDs = []crCase{
	{name: "field without a type", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"properties":{"a":{"type":"integer"}}}}}}}`)},
	{name: "no schema", body: thing(`{"name":"v1","served":true,"storage":true}`)},
	{name: "two storage versions", body: thing(okThing("v1", true) + "," + okThing("v2", true))},
	{name: "bad default", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"integer","default":"x"}}}}}}}`)},
	{name: "printer column", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}},"additionalPrinterColumns":[{"name":"A","type":"int","jsonPath":"spec.a"}]}`)},
	{name: "array at the root", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"array","items":{"type":"string"}}}}`)},
	{name: "properties and additionalProperties", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"string"}}}}}}`)},
	{name: "map list without keys", body: thing(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"array","x-kubernetes-list-type":"map","items":{"type":"object","properties":{"k":{"type":"string"}}}}}}}}`)},
	{name: "protected group", body: strings.ReplaceAll(thing(okThing("v1", true)), "crdv.kdyn.dev", "crdv.k8s.io")},
}

func okThing(name string, storage bool) string {
	return fmt.Sprintf(`{"name":%q,"served":true,"storage":%t,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"integer"}}}}}}}`, name, storage)
}

func thing(versions string) string {
	return `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.crdv.kdyn.dev"},` +
		`"spec":{"group":"crdv.kdyn.dev","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},"versions":[` + versions + `]}}`
}

// TestFixtureCustomResources sends the same requests to kube-apiserver and
// to the fixture server serving kdyn's recording of it, and requires the
// same answers: status code, Status reason, message and causes, Warning
// headers, and the compared parts of successful bodies. kube-openapi
// reports schema errors in map order, so a Status with several causes is
// compared by its set of causes.
func TestFixtureCustomResources(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, err := serverHTTPClient()
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	real := crTarget{url: srv.URL, token: srv.AdminToken, client: client}
	cluster, err := fixture.Load(kdynRecording)
	require.NoError(t, err)
	fs := fixture.NewServer(cluster)
	t.Cleanup(fs.Close)
	fake := crTarget{url: fs.URL, client: &http.Client{}}

	crd, err := os.ReadFile("testdata/fixturecrd/gadgets.yaml")
	require.NoError(t, err)
	crdJSON, err := yaml.YAMLToJSON(crd)
	require.NoError(t, err)
	install := crCase{name: "install the CRD", method: "POST", path: crdsPath, body: string(crdJSON), compare: []string{"spec", "status"}}
	compareOn(ctx, t, real, fake, install)
	t.Cleanup(func() { _ = deleteCRD(context.Background(), srv.ClientGoConfig(), "gadgets.probe.kdyn.dev") })
	var u unstructured.Unstructured
	require.NoError(t, yaml.Unmarshal(crd, &u.Object))
	require.NoError(t, waitForCRD(ctx, srv.ClientGoConfig(), &u))

	for _, c := range gadgetCases {
		compareOn(ctx, t, real, fake, c)
	}
	changeSchema(ctx, t, real, fake, &u)
	for _, c := range afterSchemaChange {
		compareOn(ctx, t, real, fake, c)
	}
	for _, c := range badCRDs {
		c.method, c.path, c.name = "POST", crdsPath, "CRD: "+c.name
		compareOn(ctx, t, real, fake, c)
		// Should the real server take one, the next cases must not find it.
		require.NoError(t, deleteCRD(ctx, srv.ClientGoConfig(), "things.crdv.kdyn.dev"))
	}
}

// changeSchema updates the CRD's v1 schema on both servers (color: blue
// only, spec.name defaulted) and waits until the real one serves it.
func changeSchema(ctx context.Context, t *testing.T, real, fake crTarget, crd *unstructured.Unstructured) {
	t.Helper()
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	spec := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties"}
	v1 := versions[0].(map[string]any)
	require.NoError(t, unstructured.SetNestedSlice(v1, []any{"blue"}, append(spec, "color", "enum")...))
	require.NoError(t, unstructured.SetNestedField(v1, "dflt", append(spec, "name", "default")...))
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"versions": versions}})
	require.NoError(t, err)
	compareOn(ctx, t, real, fake, crCase{name: "change the schema", method: "PATCH", path: crdsPath + "/gadgets.probe.kdyn.dev",
		contentType: mergeCT, body: string(patch), compare: []string{"spec", "metadata.generation"}})
	// The API server serves a changed CRD once its informer has seen it.
	require.Eventually(t, func() bool {
		a, err := real.do(ctx, crCase{method: "GET", path: gadgetsPath + "/good"})
		name, _, _ := unstructured.NestedString(a.Body, "spec", "name")
		return err == nil && name == "dflt"
	}, 30*time.Second, 100*time.Millisecond)
}

// compareOn sends c to both servers and compares their answers.
func compareOn(ctx context.Context, t *testing.T, real, fake crTarget, c crCase) {
	t.Helper()
	want, err := real.do(ctx, c)
	require.NoError(t, err, c.name)
	got, err := fake.do(ctx, c)
	require.NoError(t, err, c.name)
	assert.Equal(t, want.Code, got.Code, "%s: code (%s / %s)", c.name, want.Message, got.Message)
	assert.Equal(t, want.Reason, got.Reason, "%s: reason", c.name)
	assert.Equal(t, want.Causes, got.Causes, "%s: causes", c.name)
	assert.Equal(t, comparableMessage(want), comparableMessage(got), "%s: message", c.name)
	assert.Equal(t, want.Warnings, got.Warnings, "%s: warnings", c.name)
	for _, part := range c.compare {
		assert.Equal(t, bodyPart(want.Body, part), bodyPart(got.Body, part), "%s: %s", c.name, part)
	}
}

// crTarget is one server.
type crTarget struct {
	url, token string
	client     *http.Client
}

func (h crTarget) do(ctx context.Context, c crCase) (crAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, h.url+c.path, bytes.NewReader([]byte(c.body)))
	if err != nil {
		return crAnswer{}, err
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	req.Header.Set("Content-Type", cmpOr(c.contentType, "application/json"))
	req.Header.Set("Accept", cmpOr(c.accept, "application/json"))
	resp, err := h.client.Do(req)
	if err != nil {
		return crAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return crAnswer{}, err
	}
	a := crAnswer{Code: resp.StatusCode, Warnings: resp.Header.Values("Warning")}
	if err := json.Unmarshal(data, &a.Body); err != nil {
		return a, fmt.Errorf("%s %s: %w: %s", c.method, c.path, err, data)
	}
	if a.Body["kind"] == "Status" {
		a.Reason, _ = a.Body["reason"].(string)
		a.Message, _ = a.Body["message"].(string)
		causes, _, _ := unstructured.NestedSlice(a.Body, "details", "causes")
		for _, cause := range causes {
			m, _ := cause.(map[string]any)
			a.Causes = append(a.Causes, fmt.Sprintf("%v|%v|%v", m["field"], m["reason"], normalizeText(fmt.Sprint(m["message"]))))
		}
		slices.Sort(a.Causes)
	}
	return a, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// volatile matches what differs between two servers for the same request:
// uids, times, resourceVersions and ages.
var volatile = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|(resourceVersion\\*":\\*")\d+`)

func normalizeText(s string) string {
	return volatile.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "resourceVersion") {
			return m[:strings.LastIndex(m, `"`)+1] + "RV"
		}
		return "X"
	})
}

// comparableMessage is a Status message without what varies: with several
// causes only its lead (the causes are compared as a set).
func comparableMessage(a crAnswer) string {
	msg := normalizeText(a.Message)
	if len(a.Causes) > 1 {
		if i := strings.Index(msg, ": ["); i >= 0 {
			return msg[:i]
		}
	}
	return msg
}

// bodyPart picks what a case compares: a top-level field, a metadata field
// ("metadata.finalizers", "managedFields" for their fieldsV1), or a
// Table's cells without its date columns.
func bodyPart(body map[string]any, part string) any {
	switch part {
	case "cells":
		return tableCells(body)
	case "managedFields":
		mf, _, _ := unstructured.NestedSlice(body, "metadata", "managedFields")
		var out []any
		for _, e := range mf {
			m, _ := e.(map[string]any)
			out = append(out, []any{m["manager"], m["operation"], m["fieldsV1"], m["subresource"]})
		}
		return out
	}
	v, _, _ := unstructured.NestedFieldNoCopy(body, strings.Split(part, ".")...)
	return v
}

func tableCells(body map[string]any) []any {
	cols, _ := body["columnDefinitions"].([]any)
	rows, _ := body["rows"].([]any)
	var out []any
	for _, r := range rows {
		cells, _ := r.(map[string]any)["cells"].([]any)
		var kept []any
		for i, cell := range cells {
			if i < len(cols) && cols[i].(map[string]any)["type"] == "date" {
				continue
			}
			kept = append(kept, cell)
		}
		out = append(out, kept)
	}
	return out
}
