package rest

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
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

// TestDedupWarningsIsBounded feeds 200,000 distinct warnings, as a hostile
// server can in as many responses: what the handler keeps stays bounded,
// the most recent texts are still deduplicated, and long texts are cut.
func TestDedupWarningsIsBounded(t *testing.T) {
	var passed, longest int
	d := NewDedupWarnings(WarningHandlerFunc(func(_ int, _, text string) {
		passed++
		longest = max(longest, len(text))
	}))
	text := func(i int) string { return fmt.Sprintf("warning %d %s", i, strings.Repeat("x", 100)) }
	before := liveHeap()
	for i := range 200_000 {
		d.HandleWarningHeader(299, "-", text(i))
	}
	grown := int64(liveHeap()) - int64(before)
	assert.Less(t, grown, int64(4<<20), "kept %d bytes for 200,000 distinct warnings", grown)
	assert.Equal(t, 200_000, passed)
	d.HandleWarningHeader(299, "-", text(199_999))
	assert.Equal(t, 200_000, passed, "a recent warning is still deduplicated")
	d.HandleWarningHeader(299, "-", text(0))
	assert.Equal(t, 200_001, passed, "the oldest was forgotten")

	d.HandleWarningHeader(299, "-", strings.Repeat("é", 1<<20))
	assert.Equal(t, 200_002, passed)
	assert.LessOrEqual(t, longest, 4<<10+len("… (truncated)"), "a long text is cut")
	runtime.KeepAlive(d)
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
