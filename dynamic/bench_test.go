package dynamic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// benchPodList returns a PodList of n pods of about 1 KB each, as an API
// server sends it (items without apiVersion and kind).
func benchPodList(tb testing.TB, n int) []byte {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{
			"metadata": map[string]any{"name": fmt.Sprintf("web-7d9f8c6b5-%05d", i), "namespace": fmt.Sprintf("team-%d", i%7),
				"uid": fmt.Sprintf("6c1e8a3e-1f0b-4c8e-9a51-%012d", i), "resourceVersion": fmt.Sprint(100000 + i),
				"creationTimestamp": "2026-11-27T10:00:00Z", "labels": map[string]any{"app": "web", "pod-template-hash": "7d9f8c6b5"},
				"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f8c6b5",
					"uid": "0d6a3a52-5b7e-4d0c-8f7e-2f1c5a9b8e11", "controller": true}}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "registry.example.com/web:1.27.3",
				"ports":     []any{map[string]any{"name": "http", "containerPort": 8080, "protocol": "TCP"}},
				"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}, "imagePullPolicy": "IfNotPresent"}},
				"restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "nodeName": fmt.Sprintf("node-%03d", i%50)},
			"status": map[string]any{"phase": "Running", "podIP": fmt.Sprintf("10.244.%d.%d", i/250%250, i%250),
				"containerStatuses": []any{map[string]any{"name": "web", "ready": true, "restartCount": i % 3,
					"image": "registry.example.com/web:1.27.3", "imageID": "", "lastState": map[string]any{},
					"state": map[string]any{"running": map[string]any{"startedAt": "2026-11-27T10:00:00Z"}}}}, "qosClass": "Burstable"},
		}
	}
	data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "PodList", "metadata": map[string]any{"resourceVersion": "987654"}, "items": items})
	require.NoError(tb, err)
	return data
}

// BenchmarkList lists 5,000 pods over HTTP from a local server: kdyn's List,
// and the same request decoded the way client-go's dynamic client decodes
// it (runtime.Decode with UnstructuredJSONScheme), in the same run.
func BenchmarkList(b *testing.B) {
	data := benchPodList(b, 5000)
	c := newTestClient(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	}, Options{})
	ctx := context.Background()
	b.Run("kdyn", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		defer reportCPU(b)()
		for b.Loop() {
			l, err := c.Resource(pods).List(ctx, metav1.ListOptions{})
			if err != nil || len(l.Items) != 5000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("apimachinery-decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		defer reportCPU(b)()
		for b.Loop() {
			raw, err := c.rc.Get().AbsPath("/api", "v1", "pods").Do(ctx).Raw()
			if err != nil {
				b.Fatal(err)
			}
			obj, err := runtime.Decode(unstructured.UnstructuredJSONScheme, raw)
			if err != nil || len(obj.(*unstructured.UnstructuredList).Items) != 5000 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWatchDecode decodes a JSON watch stream of 5,000 ADDED events
// (what a WatchList of 5,000 pods starts with): kdyn's one-pass decoder, and
// rest's default decoder over apimachinery's, in the same run.
func BenchmarkWatchDecode(b *testing.B) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	require.NoError(b, json.Unmarshal(benchPodList(b, 5000), &list))
	var stream []byte
	for _, it := range list.Items {
		obj := append([]byte(`{"apiVersion":"v1","kind":"Pod",`), it[1:]...)
		stream = append(stream, `{"type":"ADDED","object":`...)
		stream = append(stream, obj...)
		stream = append(stream, "}\n"...)
	}
	run := func(newDecoder func(io.ReadCloser) rest.EventDecoder) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(stream)))
			defer reportCPU(b)()
			for b.Loop() {
				d := newDecoder(io.NopCloser(bytes.NewReader(stream)))
				n := 0
				for ; ; n++ {
					if _, _, err := d.Decode(); err != nil {
						break
					}
				}
				if n != 5000 {
					b.Fatalf("%d events", n)
				}
			}
		}
	}
	b.Run("kdyn", run(newJSONEventDecoder))
	b.Run("apimachinery", run(func(r io.ReadCloser) rest.EventDecoder { return rest.NewJSONEventDecoder(r, nil) }))
}

// reportCPU starts measuring the process CPU time of a benchmark; the
// returned function reports it per operation as cpu-ns/op, which, unlike
// wall time, holds on a machine shared with other work. The test server's
// CPU is included, the same for every sub-benchmark.
func reportCPU(b *testing.B) func() {
	cpu0, ok := processCPU()
	return func() {
		if cpu1, _ := processCPU(); ok && b.N > 0 {
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
		}
	}
}
