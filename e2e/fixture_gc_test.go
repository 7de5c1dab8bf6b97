package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/kdyn/kdyn/fixture"
)

// TestFixtureDeletionLikeServer runs one script of deletions, finalizers,
// propagation policies and namespace lifecycle against the real
// kube-apiserver and against the fixture server, and compares what each
// answers and what a watch of the namespace's ConfigMaps sees. This
// harness runs no kube-controller-manager, so the fixture runs without its
// controllers too (fixture.WithoutControllers): what is compared is what
// the API server itself does. The controllers' part is tested against
// their code's behaviour in the fixture package.
func TestFixtureDeletionLikeServer(t *testing.T) {
	cluster, err := fixture.Load(kdynRecording)
	require.NoError(t, err)
	fs := fixture.NewServer(cluster, fixture.WithoutControllers())
	t.Cleanup(fs.Close)
	client, err := serverHTTPClient()
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)

	ns := "gc-" + rand.String(6) // the same name on both, new on each run
	live := &scriptTarget{t: t, base: srv.URL, token: srv.AdminToken, client: client, uids: map[string]string{}}
	fake := &scriptTarget{t: t, base: fs.URL, client: http.DefaultClient, uids: map[string]string{}}
	for _, st := range []*scriptTarget{live, fake} {
		st.do(step{"POST", "/api/v1/namespaces", `{"metadata":{"name":"` + ns + `"}}`})
		st.watchConfigMaps(ns)
	}
	for i, s := range deletionScript(ns) {
		want, got := live.do(s), fake.do(s)
		assert.Equal(t, want, got, "step %d: %s %s %s", i, s.method, s.path, s.body)
	}
	assert.Equal(t, live.events(), fake.events(), "the ConfigMaps' watch events")
}

// step is one request; {uid:NAME} in its body stands for the uid of the
// object NAME as the target created it.
type step struct{ method, path, body string }

func deletionScript(ns string) []step {
	cms := "/api/v1/namespaces/" + ns + "/configmaps"
	nsPath := "/api/v1/namespaces/" + ns
	owner := `{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{uid:owner}","blockOwnerDeletion":true}`
	job := rand.String(6)
	return []step{
		{"POST", cms, `{"metadata":{"name":"owner"}}`},
		{"POST", cms, `{"metadata":{"name":"dep","ownerReferences":[` + owner + `]}}`},
		{"DELETE", cms + "/owner", `{"propagationPolicy":"Orphan"}`},
		{"DELETE", cms + "/owner", `{"propagationPolicy":"Foreground"}`},
		{"DELETE", cms + "/owner", `{"propagationPolicy":"Background"}`},
		{"GET", cms + "/dep", ""},
		{"DELETE", cms + "/dep", `{"orphanDependents":false}`},
		{"POST", cms, `{"metadata":{"name":"held","finalizers":["example.com/hold"]}}`},
		{"DELETE", cms + "/held", `{"orphanDependents":false}`},
		{"DELETE", cms + "/held", `{"propagationPolicy":"Orphan"}`},
		{"PATCH", cms + "/held", `{"metadata":{"finalizers":["example.com/hold","example.com/new"]}}`},
		{"PATCH", cms + "/held", `{"metadata":{"finalizers":null}}`},
		{"GET", cms + "/held", ""},
		{"POST", cms, `{"metadata":{"name":"left"}}`},
		{"DELETE", nsPath, `{"propagationPolicy":"Foreground"}`},
		{"DELETE", nsPath, ""},
		{"POST", cms, `{"metadata":{"name":"late"}}`},
		{"POST", cms, `{"metadata":{"generateName":"late-"}}`},
		{"POST", cms, `{"metadata":{}}`},
		{"PUT", cms + "/left", `{"metadata":{"name":"left"},"data":{"k":"v"}}`},
		{"DELETE", "/api/v1/namespaces/default", `{"dryRun":["All"]}`},
		{"PUT", nsPath + "/status", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + ns + `"},"status":{"phase":"Active"}}`},
		{"PATCH", nsPath, `{"spec":{"finalizers":[]}}`},
		{"PUT", nsPath + "/finalize", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + ns + `"},"spec":{"finalizers":["example.com/ns"]}}`},
		{"GET", nsPath, ""},
		{"PUT", nsPath + "/finalize", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + ns + `"},"spec":{"finalizers":[]}}`},
		{"GET", nsPath, ""},
		{"GET", cms + "/left", ""},
		{"POST", "/apis/batch/v1/namespaces/default/jobs", `{"metadata":{"name":"gc-` + job + `"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}`},
		{"DELETE", "/apis/batch/v1/namespaces/default/jobs/gc-" + job, ""},
		{"DELETE", "/apis/batch/v1/namespaces/default/jobs/gc-" + job, `{"propagationPolicy":"Background"}`},
		{"POST", "/api/v1/namespaces/default/events", `{"metadata":{"name":"gc-` + job + `"},"involvedObject":{"name":"x"}}`},
		{"DELETE", "/api/v1/namespaces/default/events/gc-" + job, `{"propagationPolicy":"Orphan"}`},
	}
}

// scriptTarget is one server the script runs against.
type scriptTarget struct {
	t      *testing.T
	base   string
	token  string
	client *http.Client
	uids   map[string]string // object name → uid, from create answers
	seen   chan map[string]any
}

// do sends s and returns what is compared: the status code, Warning
// headers, and the answer's fields that deletion and namespace lifecycle
// decide (view).
func (st *scriptTarget) do(s step) map[string]any {
	st.t.Helper()
	body := s.body
	for name, uid := range st.uids {
		body = strings.ReplaceAll(body, "{uid:"+name+"}", uid)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(s.method, st.base+s.path, rd)
	require.NoError(st.t, err)
	req.Header.Set("Content-Type", "application/json")
	if s.method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	if st.token != "" {
		req.Header.Set("Authorization", "Bearer "+st.token)
	}
	resp, err := st.client.Do(req)
	require.NoError(st.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(st.t, err)
	var obj map[string]any
	require.NoError(st.t, json.Unmarshal(raw, &obj), "%s", raw)
	if s.method == http.MethodPost && resp.StatusCode == http.StatusCreated {
		u := unstructured.Unstructured{Object: obj}
		st.uids[u.GetName()] = string(u.GetUID())
	}
	out := view(obj)
	out["code"] = resp.StatusCode
	out["warnings"] = resp.Header.Values("Warning")
	return out
}

// view keeps what the script compares, with values that differ between
// servers by nature (uids, times, resourceVersions) reduced to whether
// they are set.
func view(obj map[string]any) map[string]any {
	u := unstructured.Unstructured{Object: obj}
	out := map[string]any{"kind": u.GetKind()}
	if u.GetKind() == "Status" {
		for _, f := range []string{"status", "reason", "message"} {
			out[f], _, _ = unstructured.NestedString(obj, f)
		}
		out["causes"], _, _ = unstructured.NestedSlice(obj, "details", "causes")
		out["details.name"], _, _ = unstructured.NestedString(obj, "details", "name")
		out["details.kind"], _, _ = unstructured.NestedString(obj, "details", "kind")
		return out
	}
	out["name"] = u.GetName()
	out["finalizers"] = u.GetFinalizers()
	out["deleting"] = u.GetDeletionTimestamp() != nil
	out["grace"] = u.GetDeletionGracePeriodSeconds()
	var owners []string
	for _, o := range u.GetOwnerReferences() {
		owners = append(owners, fmt.Sprintf("%s/%s block=%v", o.Kind, o.Name, o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion))
	}
	out["owners"] = owners
	out["spec.finalizers"], _, _ = unstructured.NestedFieldNoCopy(obj, "spec", "finalizers")
	out["status.phase"], _, _ = unstructured.NestedString(obj, "status", "phase")
	return out
}

// watchConfigMaps watches the ConfigMaps of ns until the test ends.
func (st *scriptTarget) watchConfigMaps(ns string) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.base+"/api/v1/namespaces/"+ns+"/configmaps?watch=true", nil)
	require.NoError(st.t, err)
	if st.token != "" {
		req.Header.Set("Authorization", "Bearer "+st.token)
	}
	resp, err := st.client.Do(req)
	if err != nil {
		cancel()
		require.NoError(st.t, err)
	}
	st.seen = make(chan map[string]any, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(st.seen)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev struct {
				Type   string         `json:"type"`
				Object map[string]any `json:"object"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				v := view(ev.Object)
				v["type"] = ev.Type
				st.seen <- v
			}
		}
	}()
	st.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		for range st.seen {
		}
		<-done
	})
}

// events returns the watch events seen so far, waiting a moment for the
// last ones to arrive.
func (st *scriptTarget) events() []map[string]any {
	var out []map[string]any
	for {
		select {
		case ev := <-st.seen:
			out = append(out, ev)
		case <-time.After(time.Second):
			return out
		}
	}
}
