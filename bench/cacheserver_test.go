package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	widgetGVK = schema.GroupVersionKind{Group: "bench.kdyn.dev", Version: "v1", Kind: "Widget"}
	widgetGVR = schema.GroupVersionResource{Group: "bench.kdyn.dev", Version: "v1", Resource: "widgets"}
)

// cacheObjects is the number of custom resources the cache workloads hold.
func cacheObjects() int {
	if testing.Short() {
		return 200
	}
	return 10000
}

// widgetCR is a custom resource as an operator's objects look on a real
// cluster, about 2 KB of JSON: labels and annotations, a finalizer, a spec
// with ports and config, a status with conditions, and the managedFields of
// kubectl apply, the operator, and the operator's status updates.
func widgetCR(i int, rv int64) map[string]any {
	name := fmt.Sprintf("widget-%05d", i)
	t := fmt.Sprintf("2026-11-27T09:%02d:%02dZ", i/60%60, i%60)
	return map[string]any{
		"apiVersion": "bench.kdyn.dev/v1", "kind": "Widget",
		"metadata": map[string]any{
			"name": name, "namespace": fmt.Sprintf("team-%d", i%10),
			"uid":             fmt.Sprintf("0b7f5e2a-93c1-4d2e-a6b8-%012d", i),
			"resourceVersion": strconv.FormatInt(rv, 10), "generation": int64(3),
			"creationTimestamp": t,
			"labels": map[string]any{"app.kubernetes.io/name": "widget", "app.kubernetes.io/instance": name,
				"app.kubernetes.io/managed-by": "widget-operator", "tier": []string{"web", "cache", "db"}[i%3]},
			"annotations": map[string]any{"widgets.bench.kdyn.dev/revision": strconv.Itoa(i%9 + 1),
				"widgets.bench.kdyn.dev/owner": fmt.Sprintf("team-%d@example.com", i%10)},
			"finalizers": []any{"widgets.bench.kdyn.dev/cleanup"},
			"managedFields": []any{
				managedEntry("kubectl", "Apply", t, map[string]any{
					"f:metadata": map[string]any{"f:annotations": map[string]any{"f:widgets.bench.kdyn.dev/owner": map[string]any{}},
						"f:labels": map[string]any{"f:app.kubernetes.io/instance": map[string]any{}, "f:app.kubernetes.io/name": map[string]any{}, "f:tier": map[string]any{}}},
					"f:spec": map[string]any{"f:replicas": map[string]any{}, "f:image": map[string]any{}, "f:size": map[string]any{},
						"f:ports": map[string]any{}, "f:config": map[string]any{"f:logLevel": map[string]any{}, "f:timeoutSeconds": map[string]any{}, "f:features": map[string]any{}}},
				}, ""),
				managedEntry("widget-operator", "Update", t, map[string]any{
					"f:metadata": map[string]any{"f:annotations": map[string]any{"f:widgets.bench.kdyn.dev/revision": map[string]any{}},
						"f:finalizers": map[string]any{".": map[string]any{}, `v:"widgets.bench.kdyn.dev/cleanup"`: map[string]any{}},
						"f:labels":     map[string]any{"f:app.kubernetes.io/managed-by": map[string]any{}}},
				}, ""),
				managedEntry("widget-operator", "Update", t, map[string]any{
					"f:status": map[string]any{".": map[string]any{}, "f:conditions": map[string]any{".": map[string]any{},
						`k:{"type":"Ready"}`:       condFields(),
						`k:{"type":"Progressing"}`: condFields()},
						"f:observedGeneration": map[string]any{}, "f:phase": map[string]any{}, "f:endpoints": map[string]any{}},
				}, "status"),
			},
		},
		"spec": map[string]any{
			"replicas": int64(3), "image": fmt.Sprintf("registry.example.com/widgets/widget:1.%d.2", i%4),
			"size": []string{"small", "medium", "large"}[i%3],
			"ports": []any{
				map[string]any{"name": "http", "port": int64(8080), "protocol": "TCP"},
				map[string]any{"name": "metrics", "port": int64(9090), "protocol": "TCP"},
			},
			"config": map[string]any{"logLevel": "info", "timeoutSeconds": int64(30), "features": []any{"audit", "tracing"}},
		},
		"status": map[string]any{
			"phase": "Running", "observedGeneration": int64(3),
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Reconciled", "message": "all 3 replicas are ready", "lastTransitionTime": t},
				map[string]any{"type": "Progressing", "status": "False", "reason": "Stable", "message": "the rollout is complete", "lastTransitionTime": t},
			},
			"endpoints": []any{fmt.Sprintf("10.42.%d.%d:8080", i/250%250, i%250), fmt.Sprintf("10.42.%d.%d:9090", i/250%250, i%250)},
		},
	}
}

func managedEntry(manager, operation, t string, fields map[string]any, sub string) map[string]any {
	e := map[string]any{"manager": manager, "operation": operation, "apiVersion": "bench.kdyn.dev/v1",
		"time": t, "fieldsType": "FieldsV1", "fieldsV1": fields}
	if sub != "" {
		e["subresource"] = sub
	}
	return e
}

func condFields() map[string]any {
	return map[string]any{".": map[string]any{}, "f:lastTransitionTime": map[string]any{}, "f:message": map[string]any{},
		"f:reason": map[string]any{}, "f:status": map[string]any{}, "f:type": map[string]any{}}
}

// widgetServer is an API server for one custom resource, serving bodies
// encoded once: paged lists, WatchList (the objects as ADDED events, then
// the bookmark that ends them) and watches, to which the benchmark pushes
// events. It answers after the fixed latency, as the fixture server does.
type widgetServer struct {
	*httptest.Server
	n  int
	tb testing.TB // reports a handler's failures, with t.Error
	// metaServed counts the requests answered with metadata in protobuf.
	metaServed atomic.Int64

	mu      sync.Mutex // guards the fields below
	rv      int64
	items   [][]byte                // the objects, encoded
	meta    []metaEncoding          // their metadata, once withMetadata was called
	streams map[chan streamMsg]bool // each watch, true for a protobuf one of metadata
}

// events are watch events in each format the server writes: JSON lines of
// whole objects, and protobuf frames of metadata (when it serves them).
type events struct {
	json, proto []byte
}

// streamMsg is what a watch writes next; end closes the stream after it.
type streamMsg struct {
	ev  events
	end bool
}

func newWidgetServer(tb testing.TB, n int) *widgetServer {
	s := &widgetServer{n: n, tb: tb, rv: 1000000, streams: map[chan streamMsg]bool{}}
	s.items = make([][]byte, n)
	for i := range n {
		s.items[i] = mustJSON(tb, widgetCR(i, s.rv-int64(n)+int64(i)))
	}
	s.Server = httptest.NewServer(slow(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func mustJSON(tb testing.TB, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func (s *widgetServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/apis/bench.kdyn.dev/v1/widgets" {
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`, http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	meta := s.meta != nil && wantsMetadataProtobuf(r.Header.Get("Accept"))
	s.mu.Unlock()
	watching := q.Get("watch") == "true" || q.Get("watch") == "1"
	if meta {
		s.metaServed.Add(1)
	}
	switch {
	case meta && watching:
		w.Header().Set("Content-Type", protobufWatch)
	case meta:
		w.Header().Set("Content-Type", mediaProtobuf)
	default:
		w.Header().Set("Content-Type", "application/json")
	}
	if !watching {
		s.list(w, q.Get("limit"), q.Get("continue"), meta)
		return
	}
	s.watch(w, r, q.Get("sendInitialEvents") == "true", meta)
}

// list writes one page of the objects, or of their metadata.
func (s *widgetServer) list(w http.ResponseWriter, limitParam, cont string, meta bool) {
	s.mu.Lock()
	items, metas, rv := s.items, s.meta, s.rv
	s.mu.Unlock()
	from, _ := strconv.Atoi(cont)
	limit, err := strconv.Atoi(limitParam)
	if err != nil || limit <= 0 {
		limit = len(items)
	}
	to := min(from+limit, len(items))
	next := ""
	if to < len(items) {
		next = strconv.Itoa(to)
	}
	if meta {
		s.writeMetaList(w, metas[from:to], strconv.FormatInt(rv, 10), next)
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"apiVersion":"bench.kdyn.dev/v1","kind":"WidgetList","metadata":{"resourceVersion":"%d","continue":%q},"items":[`, rv, next)
	for i, it := range items[from:to] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	_, _ = w.Write(b.Bytes())
}

// watch streams the initial events if asked, then what is pushed.
func (s *widgetServer) watch(w http.ResponseWriter, r *http.Request, initial, meta bool) {
	ch := make(chan streamMsg, 16)
	s.mu.Lock()
	items, metas, rv := s.items, s.meta, s.rv
	s.streams[ch] = meta
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, ch)
		s.mu.Unlock()
	}()
	fl, _ := w.(http.Flusher)
	w.WriteHeader(http.StatusOK)
	if initial && meta {
		s.initialMeta(w, metas, strconv.FormatInt(rv, 10))
	}
	if initial && !meta {
		bw := &bytes.Buffer{}
		for _, it := range items {
			bw.WriteString(`{"type":"ADDED","object":`)
			bw.Write(it)
			bw.WriteString("}\n")
			if bw.Len() > 32<<10 { // small writes: the server shares the heap being measured
				_, _ = w.Write(bw.Bytes())
				bw.Reset()
			}
		}
		fmt.Fprintf(bw, `{"type":"BOOKMARK","object":{"apiVersion":"bench.kdyn.dev/v1","kind":"Widget","metadata":{"resourceVersion":"%d","annotations":{"k8s.io/initial-events-end":"true"}}}}`+"\n", rv)
		_, _ = w.Write(bw.Bytes())
	}
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case m := <-ch:
			body := m.ev.json
			if meta {
				body = m.ev.proto
			}
			_, _ = w.Write(body)
			fl.Flush()
			if m.end {
				return
			}
		}
	}
}

// push sends ev to every open watch.
func (s *widgetServer) push(ev events, end bool) {
	s.mu.Lock()
	chans := make([]chan streamMsg, 0, len(s.streams))
	for ch := range s.streams {
		chans = append(chans, ch)
	}
	s.mu.Unlock()
	for _, ch := range chans {
		ch <- streamMsg{ev: ev, end: end}
	}
}

// watches is the number of open watches.
func (s *widgetServer) watches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// updates changes every k-th object and returns their events, as MODIFIED
// events of one watch stream; the last object always changes.
func (s *widgetServer) updates(tb testing.TB, k int) (ev events, changed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := append([][]byte(nil), s.items...)
	metas := append([]metaEncoding(nil), s.meta...)
	var b, p bytes.Buffer
	for i := range items {
		if i%k != 0 && i != len(items)-1 {
			continue
		}
		s.rv++
		obj := widgetCR(i, s.rv)
		obj["status"].(map[string]any)["observedGeneration"] = s.rv
		items[i] = mustJSON(tb, obj)
		b.WriteString(`{"type":"MODIFIED","object":`)
		b.Write(items[i])
		b.WriteString("}\n")
		if s.meta != nil {
			frame, err := metaModified(obj)
			if err != nil {
				tb.Fatal(err)
			}
			metas[i] = frame.enc
			p.Write(frame.modified)
		}
		changed++
	}
	s.items = items
	if s.meta != nil {
		s.meta = metas
	}
	return events{json: b.Bytes(), proto: p.Bytes()}, changed
}

// compact changes every k-th object as updates does, without telling the
// watches, then ends every watch with 410 Gone, as an API server whose
// etcd compacted away a disconnected watch's resourceVersion: clients
// must read the state again.
func (s *widgetServer) compact(tb testing.TB, k int) {
	s.updates(tb, k)
	expired, err := metaExpired()
	if err != nil {
		tb.Fatal(err)
	}
	s.push(events{json: []byte(`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
		`"message":"too old resource version","reason":"Expired","code":410}}` + "\n"), proto: expired}, true)
}

// lastVersion is the resourceVersion the last object gets at the next
// updates(…, k).
func (s *widgetServer) lastVersion(k int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := int64(0)
	for i := range s.n {
		if i%k == 0 || i == s.n-1 {
			changed++
		}
	}
	return strconv.FormatInt(s.rv+changed, 10)
}

// lastName is the name of the object updates always changes.
func (s *widgetServer) lastName() string { return fmt.Sprintf("widget-%05d", s.n-1) }
