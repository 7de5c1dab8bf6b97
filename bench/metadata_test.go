package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/metadata"
	clientrest "k8s.io/client-go/rest"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// podMetadataList is the metadata of BenchmarkList's pods as kube-apiserver
// answers a metadata-only List: a meta.k8s.io/v1 PartialObjectMetadataList.
func podMetadataList(n int) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{
		TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadataList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "2999999"},
	}
	for i := range n {
		p := pod(i)
		l.Items = append(l.Items, metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"},
			ObjectMeta: p.ObjectMeta,
		})
	}
	return l
}

// metadataBodies are that list in protobuf (the API server's envelope) and
// in JSON.
func metadataBodies(tb testing.TB, n int) (protoBody, jsonBody []byte) {
	tb.Helper()
	l := podMetadataList(n)
	s := runtime.NewScheme()
	require.NoError(tb, metav1.AddMetaToScheme(s))
	var buf bytes.Buffer
	require.NoError(tb, protobuf.NewSerializer(s, s).Encode(l, &buf))
	jsonBody, err := json.Marshal(l)
	require.NoError(tb, err)
	return buf.Bytes(), jsonBody
}

// metadataListServer serves one of the bodies at /api/v1/pods after the fixed
// latency, as BenchmarkList serves its PodList: protobuf to clients that
// ask for it first, as the API server answers client-go's and kdyn's
// metadata Accept header, unless jsonOnly, a server that answers JSON.
func metadataListServer(tb testing.TB, protoBody, jsonBody []byte, jsonOnly bool) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(slow(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/pods" {
			http.NotFound(w, r)
			return
		}
		body, ct := jsonBody, mediaJSON
		if !jsonOnly && strings.HasPrefix(r.Header.Get("Accept"), mediaProtobuf) {
			body, ct = protoBody, mediaProtobuf
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// metadataLister lists the metadata of all pods once.
type metadataLister func(ctx context.Context) (*metav1.PartialObjectMetadataList, error)

// BenchmarkMetadataList lists the metadata of 5,000 pods: kdyn's
// metadata-only mode (dynamic.Client.Metadata) beside client-go's metadata
// client, each with the same Accept header, answered in protobuf and, from
// a server without protobuf, in JSON. client-go runs without its default
// rate limiter (QPS 5), which would otherwise set the pace of the loop;
// kdyn has none by default.
//
// protobuf/generated-decode is no client: it is the generated Unmarshal of
// the list alone, its items allocated once, without HTTP or the envelope,
// which every client that decodes with apimachinery's generated types
// pays. What a client spends beyond it is its own.
func BenchmarkMetadataList(b *testing.B) {
	protoBody, jsonBody := metadataBodies(b, listSize)
	protoSrv := metadataListServer(b, protoBody, jsonBody, false)
	jsonSrv := metadataListServer(b, protoBody, jsonBody, true)
	clients := []struct {
		name string
		size int
		list metadataLister
	}{
		{"protobuf/kdyn", len(protoBody), kdynMetadataLister(b, protoSrv.URL)},
		{"protobuf/client-go", len(protoBody), clientGoMetadataLister(b, protoSrv.URL)},
		{"protobuf/generated-decode", len(protoBody), generatedDecode(b, protoBody)},
		{"json/kdyn", len(jsonBody), kdynMetadataLister(b, jsonSrv.URL)},
		{"json/client-go", len(jsonBody), clientGoMetadataLister(b, jsonSrv.URL)},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(c.size))
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				l, err := c.list(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != listSize {
					b.Fatalf("listed %d pods, want %d", len(l.Items), listSize)
				}
			}
			b.ReportMetric(float64(listSize*b.N)/time.Since(start).Seconds(), "objects/s")
			reportCPU(b, cpu)
		})
	}
}

func kdynMetadataLister(tb testing.TB, host string) metadataLister {
	md, err := dynamic.NewMetadataForConfig(&rest.Config{Host: host})
	require.NoError(tb, err)
	return func(ctx context.Context) (*metav1.PartialObjectMetadataList, error) {
		return md.Resource(podsGVR).List(ctx, metav1.ListOptions{})
	}
}

func clientGoMetadataLister(tb testing.TB, host string) metadataLister {
	md, err := metadata.NewForConfig(&clientrest.Config{Host: host, QPS: -1})
	require.NoError(tb, err)
	return func(ctx context.Context) (*metav1.PartialObjectMetadataList, error) {
		return md.Resource(podsGVR).List(ctx, metav1.ListOptions{})
	}
}

// generatedDecode decodes the list in protoBody with the generated
// Unmarshal of PartialObjectMetadataList alone, into items allocated once.
func generatedDecode(tb testing.TB, protoBody []byte) metadataLister {
	var envelope runtime.Unknown
	require.NoError(tb, envelope.Unmarshal(protoBody[4:]))
	return func(context.Context) (*metav1.PartialObjectMetadataList, error) {
		l := &metav1.PartialObjectMetadataList{Items: make([]metav1.PartialObjectMetadata, 0, listSize)}
		return l, l.Unmarshal(envelope.Raw)
	}
}

// TestMetadataListSameAnswers checks that the two clients the benchmark
// compares decode the same metadata from both bodies.
func TestMetadataListSameAnswers(t *testing.T) {
	protoBody, jsonBody := metadataBodies(t, 50)
	want := podMetadataList(50)
	for _, jsonOnly := range []bool{false, true} {
		srv := metadataListServer(t, protoBody, jsonBody, jsonOnly)
		k, err := kdynMetadataLister(t, srv.URL)(context.Background())
		require.NoError(t, err)
		cg, err := clientGoMetadataLister(t, srv.URL)(context.Background())
		require.NoError(t, err)
		if !jsonOnly {
			floor, err := generatedDecode(t, protoBody)(context.Background())
			require.NoError(t, err)
			assert.Equal(t, cg.Items, floor.Items, "the generated decode alone reads what client-go does")
		}
		require.Len(t, k.Items, 50)
		require.Len(t, cg.Items, 50)
		assert.Equal(t, want.ListMeta, k.ListMeta)
		assert.Equal(t, cg.ListMeta, k.ListMeta)
		for i := range k.Items {
			// kdyn's items have no TypeMeta whatever the wire format;
			// client-go's keep the one JSON carries.
			assert.Equal(t, metav1.TypeMeta{}, k.Items[i].TypeMeta)
			assert.Equal(t, cg.Items[i].ObjectMeta, k.Items[i].ObjectMeta, "jsonOnly=%v item %d", jsonOnly, i)
			assert.Equal(t, want.Items[i].ObjectMeta.Name, k.Items[i].Name)
		}
	}
}
