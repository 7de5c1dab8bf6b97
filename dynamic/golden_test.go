package dynamic

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	"k8s.io/apimachinery/pkg/types"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	objectJSON = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns","resourceVersion":"7"}}`
	listJSON   = `{"apiVersion":"apps/v1","kind":"DeploymentList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"web"}}]}`
	tableJSON  = `{"apiVersion":"meta.k8s.io/v1","kind":"Table","columnDefinitions":[{"name":"Name","type":"string"}],"rows":[{"cells":["web"]}]}`
)

// recorder answers every request with a canned response and dumps the
// requests in the golden format.
type recorder struct {
	mu       sync.Mutex        // guards requests
	requests []string          // dumps of the requests seen
	respond  func(n int) reply // reply to the n-th request (0-based)
}

type reply struct {
	code        int
	contentType string
	body        string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	n := len(rec.requests)
	rec.requests = append(rec.requests, dumpRequest(r, body))
	rec.mu.Unlock()
	rp := rec.respond(n)
	if rp.contentType == "" {
		rp.contentType = "application/json"
	}
	w.Header().Set("Content-Type", rp.contentType)
	w.WriteHeader(rp.code)
	_, _ = io.WriteString(w, rp.body)
}

// dumpRequest renders what the server cares about: method, path, query,
// Accept and Content-Type, and the body (CBOR in diagnostic notation).
func dumpRequest(r *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL.Path)
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if kv != "" {
			fmt.Fprintf(&b, "  ?%s\n", kv)
		}
	}
	for _, h := range []string{"Accept", "Content-Type"} {
		if v := r.Header.Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", h, v)
		}
	}
	if len(body) > 0 {
		text := string(body)
		if strings.Contains(r.Header.Get("Content-Type"), "cbor") {
			diag, err := direct.Diagnose(body)
			if err != nil {
				diag = "undecodable CBOR: " + err.Error()
			}
			text = diag
		}
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(text))
	}
	return b.String()
}

func always(rp reply) func(int) reply { return func(int) reply { return rp } }

func ok(body string) func(int) reply { return always(reply{code: http.StatusOK, body: body}) }

func deployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "ns"},
		"spec":     map[string]any{"replicas": int64(2)},
	}}
}

func TestGolden(t *testing.T) {
	ctx := context.Background()
	ptr := func(s string) *string { return &s }
	grace := int64(5)
	yes := true
	cases := []struct {
		name    string
		opts    Options
		respond func(int) reply
		run     func(c *Client) error
	}{
		{"get", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Get(ctx, "web", metav1.GetOptions{ResourceVersion: "5"})
			return err
		}},
		{"get_subresource", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Get(ctx, "web", metav1.GetOptions{}, "scale")
			return err
		}},
		{"get_cluster_scoped", Options{}, ok(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`), func(c *Client) error {
			_, err := c.Resource(nodes).Get(ctx, "n1", metav1.GetOptions{})
			return err
		}},
		{"list", Options{}, ok(listJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").List(ctx, metav1.ListOptions{
				LabelSelector: "app=web,tier!=db", FieldSelector: "metadata.name=web", Limit: 10, Continue: "tok",
				ResourceVersion: "100", ResourceVersionMatch: metav1.ResourceVersionMatchExact, TimeoutSeconds: new(int64(30)),
			})
			return err
		}},
		{"list_all_namespaces", Options{}, ok(listJSON), func(c *Client) error {
			_, err := c.Resource(pods).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"watch", Options{}, ok(`{"type":"ADDED","object":` + objectJSON + `}`), func(c *Client) error {
			w, err := c.Resource(deployments).Namespace("ns").Watch(ctx, metav1.ListOptions{
				ResourceVersion: "100", AllowWatchBookmarks: true, SendInitialEvents: &yes,
				ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, TimeoutSeconds: new(int64(60)),
			})
			if err != nil {
				return err
			}
			defer w.Stop()
			for range w.ResultChan() {
			}
			return nil
		}},
		{"create", Options{}, always(reply{code: http.StatusCreated, body: objectJSON}), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Create(ctx, deployment(), metav1.CreateOptions{
				DryRun: []string{metav1.DryRunAll}, FieldManager: "kdyn-test", FieldValidation: "Strict"})
			return err
		}},
		{"create_subresource", Options{}, always(reply{code: http.StatusCreated, body: `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p1"}}`}), func(c *Client) error {
			ev := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "policy/v1", "kind": "Eviction",
				"metadata": map[string]any{"name": "p1", "namespace": "ns"}}}
			_, err := c.Resource(pods).Namespace("ns").Create(ctx, ev, metav1.CreateOptions{}, "eviction")
			return err
		}},
		{"update", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Update(ctx, deployment(), metav1.UpdateOptions{FieldManager: "kdyn-test"})
			return err
		}},
		{"update_status", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").UpdateStatus(ctx, deployment(), metav1.UpdateOptions{})
			return err
		}},
		{"patch_merge", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Patch(ctx, "web", types.MergePatchType,
				[]byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{FieldManager: "kdyn-test"})
			return err
		}},
		{"patch_json", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Patch(ctx, "web", types.JSONPatchType,
				[]byte(`[{"op":"replace","path":"/spec/replicas","value":3}]`), metav1.PatchOptions{}, "scale")
			return err
		}},
		{"patch_strategic", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Patch(ctx, "web", types.StrategicMergePatchType,
				[]byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
			return err
		}},
		{"apply", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Apply(ctx, "web", deployment(),
				metav1.ApplyOptions{FieldManager: "kdyn-test", Force: true, DryRun: []string{metav1.DryRunAll}})
			return err
		}},
		{"apply_status", Options{}, ok(objectJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").ApplyStatus(ctx, "web", deployment(),
				metav1.ApplyOptions{FieldManager: "kdyn-test"})
			return err
		}},
		{"delete", Options{}, ok(`{"apiVersion":"v1","kind":"Status","status":"Success"}`), func(c *Client) error {
			fg := metav1.DeletePropagationForeground
			return c.Resource(deployments).Namespace("ns").Delete(ctx, "web", metav1.DeleteOptions{
				GracePeriodSeconds: &grace, PropagationPolicy: &fg, DryRun: []string{metav1.DryRunAll},
				Preconditions: &metav1.Preconditions{UID: ptrUID("u-1"), ResourceVersion: ptr("7")}})
		}},
		{"delete_collection", Options{}, ok(`{"apiVersion":"v1","kind":"Status","status":"Success"}`), func(c *Client) error {
			bg := metav1.DeletePropagationBackground
			return c.Resource(configMaps).Namespace("ns").DeleteCollection(ctx,
				metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{LabelSelector: "app=web"})
		}},
		{"table", Options{}, ok(tableJSON), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Table(ctx, "", metav1.ListOptions{LabelSelector: "app=web"})
			return err
		}},
		{"all_pages", Options{}, func(n int) reply {
			if n == 0 {
				return reply{code: 200, body: `{"apiVersion":"v1","kind":"PodList","metadata":{"continue":"page2"},"items":[{"metadata":{"name":"a"}}]}`}
			}
			return reply{code: 200, body: `{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[{"metadata":{"name":"b"}}]}`}
		}, func(c *Client) error {
			for _, err := range c.Resource(pods).Namespace("ns").All(ctx, metav1.ListOptions{Limit: 1, ResourceVersion: "0", LabelSelector: "app=web"}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"cbor_fallback", Options{CBOR: true}, func(n int) reply {
			if n == 0 {
				return reply{code: http.StatusNotAcceptable, body: `{"apiVersion":"v1","kind":"Status","status":"Failure","code":406}`}
			}
			return reply{code: 200, body: objectJSON}
		}, func(c *Client) error {
			r := c.Resource(deployments).Namespace("ns")
			if _, err := r.Get(ctx, "web", metav1.GetOptions{}); err != nil {
				return err
			}
			_, err := r.Create(ctx, deployment(), metav1.CreateOptions{}) // stays on JSON
			return err
		}},
		{"cbor_create", Options{CBOR: true}, always(reply{code: http.StatusCreated, contentType: "application/cbor", body: string(cborOf(deployment()))}), func(c *Client) error {
			_, err := c.Resource(deployments).Namespace("ns").Create(ctx, deployment(), metav1.CreateOptions{})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{respond: tc.respond}
			c := newTestClient(t, rec.ServeHTTP, tc.opts)
			require.NoError(t, tc.run(c))
			got := strings.Join(rec.requests, "---\n")
			file := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

func ptrUID(s string) *types.UID { u := types.UID(s); return &u }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
