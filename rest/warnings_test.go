package rest

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recordedWarning struct {
	code        int
	agent, text string
}

type warningRecorder struct {
	mu  sync.Mutex // guards got
	got []recordedWarning
}

func (r *warningRecorder) HandleWarningHeader(code int, agent, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, recordedWarning{code, agent, text})
}

func TestWarningHeaders(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "v1beta1 Foo is deprecated"`)
		w.Header().Add("Warning", `299 kube-apiserver "unknown field \"spec.x\""`)
		w.Header().Add("Warning", `garbage`)
	})
	rec := &warningRecorder{}
	c := newTestClient(t, srv, func(c *Config) { c.WarningHandler = rec })
	require.NoError(t, c.Get().Do(context.Background()).Error())
	assert.Equal(t, []recordedWarning{
		{299, "-", "v1beta1 Foo is deprecated"},
		{299, "kube-apiserver", `unknown field "spec.x"`},
	}, rec.got)

	dedupRec := &warningRecorder{}
	c = newTestClient(t, srv, func(c *Config) { c.WarningHandler = NewDedupWarnings(dedupRec) })
	for range 3 {
		require.NoError(t, c.Get().Do(context.Background()).Error())
	}
	assert.Len(t, dedupRec.got, 2, "each distinct warning once")
}

func TestDefaultWarningHandlerIsDeduplicating(t *testing.T) {
	c, err := NewClient(&Config{Host: "https://x:1"})
	require.NoError(t, err)
	assert.IsType(t, &DedupWarnings{}, c.warnings)
	var _ WarningHandler = WarningHandlerFunc(func(int, string, string) {})
}
