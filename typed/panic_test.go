package typed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kdyn/kdyn/rest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Gadget is an operator's CRD type with a field whose hand-written
// UnmarshalJSON has a bug that some input makes it panic.
type Gadget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Code gadgetCode `json:"code,omitempty"`
}

type gadgetCode struct{ first byte }

// UnmarshalJSON reads the first character of a string, without checking
// that there is one.
func (c *gadgetCode) UnmarshalJSON(data []byte) error {
	c.first = data[1 : len(data)-1][0]
	return nil
}

type GadgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Gadget `json:"items"`
}

func (g *Gadget) DeepCopyObject() runtime.Object {
	out := *g
	g.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

func (l *GadgetList) DeepCopyObject() runtime.Object {
	out := *l
	out.Items = append([]Gadget(nil), l.Items...)
	return &out
}

// TestDecoderPanicIsAnError: a response that makes decoding panic, here
// in a type's own UnmarshalJSON, is an error of the call or of the watch,
// and the process goes on.
func TestDecoderPanicIsAnError(t *testing.T) {
	const object = `{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"g"},"code":""}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", mediaJSON)
		if r.URL.Query().Get("watch") == "true" {
			_, _ = w.Write([]byte(`{"type":"ADDED","object":` + object + "}\n"))
			return
		}
		_, _ = w.Write([]byte(object))
	}))
	t.Cleanup(srv.Close)
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, MaxRetries: -1, WarningHandler: rest.NoWarnings{}})
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(widgetGV.WithKind("Gadget"), meta.RESTScopeNamespace)
	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(widgetGV, &Gadget{}, &GadgetList{})
	gadgets, err := For[*Gadget, *GadgetList](New(rc, mapper, scheme, Options{}))
	require.NoError(t, err)
	ctx := context.Background()

	got, err := gadgets.Namespace("default").Get(ctx, "g", metav1.GetOptions{})
	assert.Nil(t, got)
	assert.ErrorContains(t, err, "typed: decode Gadget: the decoder panicked on this response (a bug): runtime error: index out of range")

	w, err := gadgets.Namespace("default").Watch(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	defer w.Stop()
	ev := <-w.ResultChan()
	require.Equal(t, watch.Error, ev.Type, "%v", ev.Object)
	assert.Contains(t, ev.Object.(*metav1.Status).Message, "the decoder panicked on this response (a bug)")
}
