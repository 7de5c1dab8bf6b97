package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/util/framer"
	"sigs.k8s.io/yaml"

	"github.com/kdyn/kdyn/fixture"
)

// Accept headers of the clients that matter: client-go's metadata client
// (lists and single objects), typed clients and kubectl, and the edges of
// the real server's negotiation.
const (
	acceptMetaList   = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
	acceptMetaObject = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
	acceptTyped      = "application/vnd.kubernetes.protobuf, application/json"
)

var negotiationAccepts = []string{
	"",
	"*/*",
	"application/json",
	"application/yaml",
	"application/vnd.kubernetes.protobuf",
	acceptTyped,
	"application/vnd.kubernetes.protobuf, */*",
	acceptMetaList,
	acceptMetaObject,
	"application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
	"application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
	"application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1",
	"application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1",
	"application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
	"application/yaml;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io",
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2",
	"application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1",
	"application/json;as=Table;g=meta.k8s.io;v=v1",
	"application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1,application/json",
	"application/cbor",
	"text/plain",
}

// httpTarget is a server reached with plain net/http, as curl would.
type httpTarget struct {
	url    string
	token  string
	client *http.Client
}

// answer is what the negotiation tests compare: the status, the
// Content-Type and what the body holds (its kind, or a watch's first event).
type answer struct {
	Status      int
	ContentType string
	Body        string
	message     string // a Status's message, logged, not compared
}

// shape is the answer without the message, which the tests compare.
func (a answer) shape() answer {
	a.message = ""
	return a
}

func (a answer) String() string {
	s := fmt.Sprintf("%d %q %s", a.Status, a.ContentType, a.Body)
	if a.message != "" {
		s += fmt.Sprintf(" (%.160s)", a.message)
	}
	return s
}

func (h httpTarget) do(ctx context.Context, method, path, accept, contentType string, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.url+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return answer{}, err
	}
	ct := resp.Header.Get("Content-Type")
	a := answer{Status: resp.StatusCode, ContentType: ct, Body: describe(ct, data)}
	if resp.StatusCode >= 300 {
		a.message = statusMessage(ct, data)
	}
	return a, nil
}

// statusMessage is the message of an error body in JSON, YAML or protobuf.
func statusMessage(contentType string, data []byte) string {
	st := &metav1.Status{}
	if strings.HasPrefix(contentType, "application/vnd.kubernetes.protobuf") {
		unk := &runtime.Unknown{}
		if _, _, err := envelope.Decode(data, nil, unk); err != nil || st.Unmarshal(unk.Raw) != nil {
			return ""
		}
		return st.Message
	}
	if yaml.Unmarshal(data, st) != nil {
		return ""
	}
	return st.Message
}

// describe names what a body holds: "meta.k8s.io/v1 PartialObjectMetadataList
// [meta.k8s.io/v1 PartialObjectMetadata]" for a list and its first item,
// "ADDED v1 ConfigMap" for a watch's first event, the reason of a Status.
func describe(contentType string, data []byte) string {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case len(data) == 0:
		return "(empty)"
	case mt == "application/vnd.kubernetes.protobuf" && params["stream"] == "watch":
		return describeProtobufEvent(data)
	case mt == "application/vnd.kubernetes.protobuf":
		return describeProtobuf(data)
	case mt == "application/yaml":
		js, err := yaml.YAMLToJSON(data)
		if err != nil {
			return "bad YAML: " + err.Error()
		}
		return describeJSON(js)
	default:
		// A JSON watch is one event per line; the first tells the shape.
		if first, _, found := bytes.Cut(data, []byte("\n")); found && json.Valid(first) {
			return describeJSON(first)
		}
		return describeJSON(data)
	}
}

func describeJSON(data []byte) string {
	var doc struct {
		Type   string `json:"type"`
		Object *struct {
			metav1.TypeMeta
		} `json:"object"`
		metav1.TypeMeta
		Reason string `json:"reason"`
		Items  []struct {
			metav1.TypeMeta
		} `json:"items"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Sprintf("not JSON: %.40q", data)
	}
	if doc.Type != "" && doc.Object != nil {
		return fmt.Sprintf("%s %s %s", doc.Type, doc.Object.APIVersion, doc.Object.Kind)
	}
	s := doc.APIVersion + " " + doc.Kind
	if doc.Reason != "" {
		s += " " + doc.Reason
	}
	if len(doc.Items) > 0 {
		s += fmt.Sprintf(" [%s %s]", doc.Items[0].APIVersion, doc.Items[0].Kind)
	}
	return s
}

var envelope = protobuf.NewSerializer(runtime.NewScheme(), runtime.NewScheme())

func describeProtobuf(data []byte) string {
	unk := &runtime.Unknown{}
	if _, _, err := envelope.Decode(data, nil, unk); err != nil {
		return fmt.Sprintf("not protobuf: %v", err)
	}
	s := unk.APIVersion + " " + unk.Kind
	if unk.Kind == "Status" {
		st := &metav1.Status{}
		if err := st.Unmarshal(unk.Raw); err != nil {
			return s + " undecodable"
		}
		s += " " + string(st.Reason)
	}
	return s + " (protobuf)"
}

func describeProtobufEvent(data []byte) string {
	frames := framer.NewLengthDelimitedFrameReader(io.NopCloser(bytes.NewReader(data)))
	buf := make([]byte, len(data))
	n, err := frames.Read(buf)
	if err != nil {
		return fmt.Sprintf("bad frame: %v", err)
	}
	ev := &metav1.WatchEvent{}
	if err := ev.Unmarshal(buf[:n]); err != nil {
		return fmt.Sprintf("bad event: %v", err)
	}
	return ev.Type + " " + describeProtobuf(ev.Object.Raw)
}

// negotiationRequest is one request of the matrix, its path relative to the
// namespace.
type negotiationRequest struct {
	name, path string
}

// TestMetadataNegotiation sends the same requests with the same Accept
// headers to kube-apiserver and to the fixture server and requires the same
// status, Content-Type and body shape: JSON, YAML and protobuf, full
// objects, PartialObjectMetadata(List) and Tables, for a built-in kind and a
// custom resource, for lists, single objects, missing objects and watches.
func TestMetadataNegotiation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, err := serverHTTPClient()
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	real := httpTarget{url: srv.URL, token: srv.AdminToken, client: client}

	cluster, err := fixture.Load(kdynRecording)
	require.NoError(t, err)
	fs := fixture.NewServer(cluster)
	t.Cleanup(fs.Close)
	fake := httpTarget{url: fs.URL, client: &http.Client{}}

	ns := newNamespace(t, srv, "e2e-negotiate")
	seed := []struct{ path, body string }{
		{"/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + ns + `"}}`},
		{"/api/v1/namespaces/" + ns + "/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one","labels":{"a":"b"}},"data":{"k":"v"}}`},
		{"/apis/stable.kdyn.dev/v1/namespaces/" + ns + "/widgets", `{"apiVersion":"stable.kdyn.dev/v1","kind":"Widget","metadata":{"name":"one","labels":{"a":"b"}},"spec":{"replicas":1,"color":"red"}}`},
	}
	for i, s := range seed {
		for _, target := range []httpTarget{real, fake} {
			if i == 0 && target == real {
				continue // newNamespace made it
			}
			a, err := target.do(ctx, http.MethodPost, s.path, "application/json", "application/json", []byte(s.body))
			require.NoError(t, err)
			require.Equal(t, http.StatusCreated, a.Status, "%s %s: %s", target.url, s.path, a)
		}
	}

	for _, base := range []string{"/api/v1/namespaces/" + ns + "/configmaps", "/apis/stable.kdyn.dev/v1/namespaces/" + ns + "/widgets"} {
		for _, rq := range []negotiationRequest{
			{"list", ""},
			{"get", "/one"},
			{"missing", "/nope"},
			{"watch", "?watch=true&timeoutSeconds=1"},
		} {
			for _, accept := range negotiationAccepts {
				path := base + rq.path
				want, err := real.do(ctx, http.MethodGet, path, accept, "", nil)
				require.NoError(t, err)
				got, err := fake.do(ctx, http.MethodGet, path, accept, "", nil)
				require.NoError(t, err)
				t.Logf("%s %s Accept %q: %s", rq.name, resourceOf(base), accept, want)
				assert.Equal(t, want.shape(), got.shape(), "%s %s with Accept %q", rq.name, resourceOf(base), accept)
			}
		}
	}

	// Writes answer in the negotiated shape too.
	for _, base := range []string{"/api/v1/namespaces/" + ns + "/configmaps", "/apis/stable.kdyn.dev/v1/namespaces/" + ns + "/widgets"} {
		for _, accept := range []string{acceptMetaObject, acceptMetaList, acceptTyped, "application/vnd.kubernetes.protobuf"} {
			var answers [2]answer
			for i, target := range []httpTarget{real, fake} {
				patched, err := target.do(ctx, http.MethodPatch, base+"/one", accept, "application/merge-patch+json", []byte(`{"metadata":{"annotations":{"x":"y"}}}`))
				require.NoError(t, err)
				answers[i] = patched
			}
			t.Logf("patch %s Accept %q: %s", resourceOf(base), accept, answers[0])
			assert.Equal(t, answers[0].shape(), answers[1].shape(), "patch %s with Accept %q", resourceOf(base), accept)
		}
	}

	// A watch asked for PartialObjectMetadataList ends at its first event.
	for _, target := range []httpTarget{real, fake} {
		start := time.Now()
		a, err := target.do(ctx, http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets?watch=true&timeoutSeconds=2", acceptMetaList, "", nil)
		require.NoError(t, err)
		t.Logf("empty watch %s: %s after %v", target.url, a, time.Since(start))
	}
}

func resourceOf(path string) string {
	return path[strings.LastIndex(path, "/")+1:]
}
