package bench

import (
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The widget server answers a client that asks for PartialObjectMetadata
// in protobuf first (kdyn's metadata mode, client-go's metadata client) as
// kube-apiserver does: lists as a PartialObjectMetadataList, watches as
// length-prefixed frames of metav1.WatchEvent whose objects are
// PartialObjectMetadata, each in the protobuf envelope. Every object is
// encoded once, when it changes, so that a request costs the server little
// more than copying bytes, as for JSON.

const (
	metaGroupVersion = "meta.k8s.io/v1"
	protobufWatch    = "application/vnd.kubernetes.protobuf;stream=watch"
)

// wantsMetadataProtobuf tells a metadata client asking for protobuf first.
func wantsMetadataProtobuf(accept string) bool {
	return strings.HasPrefix(accept, mediaProtobuf+";as=PartialObjectMetadata")
}

// withMetadata makes s serve its widgets' metadata in protobuf to clients
// that ask for it, encoding it now, before anything is measured.
func (s *widgetServer) withMetadata(tb testing.TB) *widgetServer {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meta = make([]metaEncoding, s.n)
	for i := range s.n {
		var err error
		if s.meta[i], err = encodeMeta(widgetCR(i, s.rv-int64(s.n)+int64(i))); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// metaEncoding is one widget's metadata, encoded: as a list item (the
// message alone) and as the ADDED event of a WatchList.
type metaEncoding struct {
	item, added []byte
}

// encodeMeta encodes the metadata of the widget obj, as JSON decodes it.
func encodeMeta(obj map[string]any) (metaEncoding, error) {
	var om metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj["metadata"].(map[string]any), &om); err != nil {
		return metaEncoding{}, err
	}
	item, err := (&metav1.PartialObjectMetadata{ObjectMeta: om}).Marshal()
	if err != nil {
		return metaEncoding{}, err
	}
	added, err := metaFrame("ADDED", "PartialObjectMetadata", item)
	return metaEncoding{item: item, added: added}, err
}

// envelope wraps an encoded message in the protobuf envelope, naming its
// kind.
func envelope(apiVersion, kind string, raw []byte) ([]byte, error) {
	u := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: apiVersion, Kind: kind}, Raw: raw}
	data, err := u.Marshal()
	return append([]byte("k8s\x00"), data...), err
}

// metaFrame is a watch event of the given type whose object is raw, a
// message of kind, as one frame of a protobuf watch stream.
func metaFrame(typ, kind string, raw []byte) ([]byte, error) {
	apiVersion := metaGroupVersion
	if kind == "Status" {
		apiVersion = "v1"
	}
	obj, err := envelope(apiVersion, kind, raw)
	if err != nil {
		return nil, err
	}
	data, err := (&metav1.WatchEvent{Type: typ, Object: runtime.RawExtension{Raw: obj}}).Marshal()
	if err != nil {
		return nil, err
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(data)), uint32(len(data)))
	return append(frame, data...), nil
}

// metaList is a page of a PartialObjectMetadataList.
func metaList(items []metaEncoding, rv, next string) ([]byte, error) {
	lm, err := (&metav1.ListMeta{ResourceVersion: rv, Continue: next}).Marshal()
	if err != nil {
		return nil, err
	}
	n := len(lm) + 16
	for _, it := range items {
		n += len(it.item) + 8
	}
	raw := make([]byte, 0, n)
	raw = protowire.AppendTag(raw, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, lm)
	for _, it := range items {
		raw = protowire.AppendTag(raw, 2, protowire.BytesType)
		raw = protowire.AppendBytes(raw, it.item)
	}
	return envelope(metaGroupVersion, "PartialObjectMetadataList", raw)
}

// metaBookmark is the bookmark that ends a WatchList's initial events.
func metaBookmark(rv string) ([]byte, error) {
	b := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv,
		Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}}
	raw, err := b.Marshal()
	if err != nil {
		return nil, err
	}
	return metaFrame("BOOKMARK", "PartialObjectMetadata", raw)
}

// metaExpired is the ERROR event of a watch whose resourceVersion etcd
// compacted away.
func metaExpired() ([]byte, error) {
	st := &metav1.Status{Status: metav1.StatusFailure, Message: "too old resource version", Reason: metav1.StatusReasonExpired, Code: 410}
	raw, err := st.Marshal()
	if err != nil {
		return nil, err
	}
	return metaFrame("ERROR", "Status", raw)
}

// writeMetaList writes a page of metadata; a failure to encode is the
// test's error and a 500.
func (s *widgetServer) writeMetaList(w http.ResponseWriter, items []metaEncoding, rv, next string) {
	body, err := metaList(items, rv, next)
	if err != nil {
		s.tb.Error(err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(body)
}

// initialMeta writes a WatchList's initial events in protobuf, in small
// writes as the JSON ones.
func (s *widgetServer) initialMeta(w http.ResponseWriter, metas []metaEncoding, rv string) {
	var buf []byte
	for _, m := range metas {
		buf = append(buf, m.added...)
		if len(buf) > 32<<10 {
			_, _ = w.Write(buf)
			buf = buf[:0]
		}
	}
	end, err := metaBookmark(rv)
	if err != nil {
		s.tb.Error(err)
	}
	_, _ = w.Write(append(buf, end...))
}

// changedMeta is a changed widget's metadata and its MODIFIED event.
type changedMeta struct {
	enc      metaEncoding
	modified []byte
}

func metaModified(obj map[string]any) (changedMeta, error) {
	enc, err := encodeMeta(obj)
	if err != nil {
		return changedMeta{}, err
	}
	frame, err := metaFrame("MODIFIED", "PartialObjectMetadata", enc.item)
	return changedMeta{enc: enc, modified: frame}, err
}
