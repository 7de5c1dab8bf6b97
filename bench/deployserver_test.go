package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var deploymentGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}

// deploymentObject is a Deployment as a real API server stores one that
// `kubectl apply --server-side` created and the deployment controller
// rolled out, about 4 KB of JSON: labels and annotations, one container
// with ports, env, resources and probes, a rolling update strategy, a
// status with conditions, and the managedFields of kubectl and of the
// controller's metadata and status updates.
func deploymentObject(i int, rv int64) map[string]any {
	name := fmt.Sprintf("web-%05d", i)
	t := fmt.Sprintf("2026-11-27T09:%02d:%02dZ", i/60%60, i%60)
	sel := map[string]any{"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": name}
	labelFields := map[string]any{"f:app.kubernetes.io/instance": map[string]any{}, "f:app.kubernetes.io/name": map[string]any{}}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{
			"name": name, "namespace": fmt.Sprintf("team-%d", i%10),
			"uid":             fmt.Sprintf("5c7e0f1a-2b3c-4d5e-8f90-%012d", i),
			"resourceVersion": strconv.FormatInt(rv, 10), "generation": int64(2), "creationTimestamp": t,
			"labels": map[string]any{"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": name,
				"app.kubernetes.io/part-of": "shop", "tier": []string{"web", "cache", "db"}[i%3]},
			"annotations": map[string]any{"deployment.kubernetes.io/revision": "2"},
			"managedFields": []any{
				managedDeployEntry("kubectl", "Apply", t, map[string]any{
					"f:metadata": map[string]any{"f:labels": labelFields},
					"f:spec": map[string]any{"f:replicas": map[string]any{}, "f:selector": map[string]any{},
						"f:template": map[string]any{"f:metadata": map[string]any{"f:labels": labelFields},
							"f:spec": map[string]any{"f:containers": map[string]any{`k:{"name":"web"}`: map[string]any{
								".": map[string]any{}, "f:image": map[string]any{}, "f:name": map[string]any{},
								"f:env":   map[string]any{`k:{"name":"LOG_LEVEL"}`: map[string]any{".": map[string]any{}, "f:name": map[string]any{}, "f:value": map[string]any{}}},
								"f:ports": map[string]any{`k:{"containerPort":8080,"protocol":"TCP"}`: map[string]any{".": map[string]any{}, "f:containerPort": map[string]any{}, "f:name": map[string]any{}}},
								"f:resources": map[string]any{"f:limits": map[string]any{"f:cpu": map[string]any{}, "f:memory": map[string]any{}},
									"f:requests": map[string]any{"f:cpu": map[string]any{}, "f:memory": map[string]any{}}},
								"f:readinessProbe": map[string]any{"f:httpGet": map[string]any{"f:path": map[string]any{}, "f:port": map[string]any{}}},
							}}}}},
				}, ""),
				managedDeployEntry("kube-controller-manager", "Update", t, map[string]any{
					"f:metadata": map[string]any{"f:annotations": map[string]any{".": map[string]any{}, "f:deployment.kubernetes.io/revision": map[string]any{}}},
				}, ""),
				managedDeployEntry("kube-controller-manager", "Update", t, map[string]any{
					"f:status": map[string]any{"f:availableReplicas": map[string]any{}, "f:conditions": map[string]any{".": map[string]any{},
						`k:{"type":"Available"}`: deployCondFields(), `k:{"type":"Progressing"}`: deployCondFields()},
						"f:observedGeneration": map[string]any{}, "f:readyReplicas": map[string]any{}, "f:replicas": map[string]any{}, "f:updatedReplicas": map[string]any{}},
				}, "status"),
			},
		},
		"spec": map[string]any{
			"replicas": int64(3), "selector": map[string]any{"matchLabels": sel},
			"template": map[string]any{
				"metadata": map[string]any{"creationTimestamp": nil, "labels": sel},
				"spec": map[string]any{
					"containers": []any{map[string]any{
						"name": "web", "image": fmt.Sprintf("registry.example.com/shop/web:1.%d.0", i%4),
						"ports":     []any{map[string]any{"name": "http", "containerPort": int64(8080), "protocol": "TCP"}},
						"env":       []any{map[string]any{"name": "LOG_LEVEL", "value": "info"}},
						"resources": map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}, "requests": map[string]any{"cpu": "100m", "memory": "128Mi"}},
						"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/ready", "port": "http", "scheme": "HTTP"},
							"timeoutSeconds": int64(1), "periodSeconds": int64(10), "successThreshold": int64(1), "failureThreshold": int64(3)},
						"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
					}},
					"restartPolicy": "Always", "terminationGracePeriodSeconds": int64(30), "dnsPolicy": "ClusterFirst",
					"securityContext": map[string]any{}, "schedulerName": "default-scheduler",
				},
			},
			"strategy":             map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxUnavailable": "25%", "maxSurge": "25%"}},
			"revisionHistoryLimit": int64(10), "progressDeadlineSeconds": int64(600),
		},
		"status": map[string]any{
			"observedGeneration": int64(2), "replicas": int64(3), "updatedReplicas": int64(3), "readyReplicas": int64(3), "availableReplicas": int64(3),
			"conditions": []any{
				map[string]any{"type": "Available", "status": "True", "lastUpdateTime": t, "lastTransitionTime": t,
					"reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
				map[string]any{"type": "Progressing", "status": "True", "lastUpdateTime": t, "lastTransitionTime": t,
					"reason": "NewReplicaSetAvailable", "message": fmt.Sprintf("ReplicaSet %q has successfully progressed.", name+"-7d9f8b6c5")},
			},
		},
	}
}

func managedDeployEntry(manager, operation, t string, fields map[string]any, sub string) map[string]any {
	e := map[string]any{"manager": manager, "operation": operation, "apiVersion": "apps/v1",
		"time": t, "fieldsType": "FieldsV1", "fieldsV1": fields}
	if sub != "" {
		e["subresource"] = sub
	}
	return e
}

func deployCondFields() map[string]any {
	return map[string]any{".": map[string]any{}, "f:lastTransitionTime": map[string]any{}, "f:lastUpdateTime": map[string]any{},
		"f:message": map[string]any{}, "f:reason": map[string]any{}, "f:status": map[string]any{}, "f:type": map[string]any{}}
}

// deploymentServer serves n Deployments at /apis/apps/v1/deployments,
// encoded once, in JSON: paged lists, and watches that send the objects as
// ADDED events and the bookmark that ends them when asked (WatchList),
// then stay open. It answers after the fixed latency.
type deploymentServer struct {
	*httptest.Server
	items [][]byte
	rv    int64

	mu       sync.Mutex // guards watching
	watching int
}

func newDeploymentServer(tb testing.TB, n int) *deploymentServer {
	s := &deploymentServer{rv: 2000000, items: make([][]byte, n)}
	for i := range n {
		s.items[i] = mustJSON(tb, deploymentObject(i, s.rv-int64(n)+int64(i)))
	}
	s.Server = httptest.NewServer(slow(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *deploymentServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/apis/apps/v1/deployments" {
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		s.watch(w, r, q.Get("sendInitialEvents") == "true")
		return
	}
	from, _ := strconv.Atoi(q.Get("continue"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = len(s.items)
	}
	to := min(from+limit, len(s.items))
	next := ""
	if to < len(s.items) {
		next = strconv.Itoa(to)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"apiVersion":"apps/v1","kind":"DeploymentList","metadata":{"resourceVersion":"%d","continue":%q},"items":[`, s.rv, next)
	for i, it := range s.items[from:to] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	_, _ = w.Write(b.Bytes())
}

func (s *deploymentServer) watch(w http.ResponseWriter, r *http.Request, initial bool) {
	s.mu.Lock()
	s.watching++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.watching--
		s.mu.Unlock()
	}()
	w.WriteHeader(http.StatusOK)
	if initial {
		var b bytes.Buffer
		for _, it := range s.items {
			b.WriteString(`{"type":"ADDED","object":`)
			b.Write(it)
			b.WriteString("}\n")
			if b.Len() > 32<<10 { // small writes: the server shares the heap being measured
				_, _ = w.Write(b.Bytes())
				b.Reset()
			}
		}
		fmt.Fprintf(&b, `{"type":"BOOKMARK","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"resourceVersion":"%d","annotations":{"k8s.io/initial-events-end":"true"}}}}`+"\n", s.rv)
		_, _ = w.Write(b.Bytes())
	}
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// watches is the number of open watches.
func (s *deploymentServer) watches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watching
}
