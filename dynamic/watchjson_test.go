package dynamic

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
)

// readEvents decodes a whole stream, summarising each event, and returns the
// error that ended it.
func readEvents(r io.Reader) ([]string, error) {
	d := newJSONEventDecoder(io.NopCloser(r))
	defer d.Close()
	var out []string
	for {
		typ, obj, err := d.Decode()
		if err != nil {
			return out, err
		}
		switch o := obj.(type) {
		case *unstructured.Unstructured:
			out = append(out, string(typ)+" "+o.GetName())
		case *metav1.Status:
			out = append(out, string(typ)+" "+o.Message)
		}
	}
}

func TestJSONEventDecoder(t *testing.T) {
	pod := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a}{\"]"}}`
	big := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"big","annotations":{"x":"` + strings.Repeat("y", 100<<10) + `"}}}`
	cases := []struct {
		name   string
		stream string
		want   []string
		err    string // "" for a clean end
	}{
		{"events", `{"type":"ADDED","object":` + pod + "}\n" + `{"type":"DELETED","object":` + pod + "}\n",
			[]string{`ADDED a}{"]`, `DELETED a}{"]`}, ""},
		{"no newlines", `{"type":"ADDED","object":` + pod + `}{"type":"MODIFIED","object":` + pod + `}`,
			[]string{`ADDED a}{"]`, `MODIFIED a}{"]`}, ""},
		{"large object", ` {"type":"ADDED","object":` + big + "}\r\n\t", []string{"ADDED big"}, ""},
		{"error status", `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,"message":"too old"}}`,
			[]string{"ERROR too old"}, ""},
		{"error without status", `{"type":"ERROR","object":{"foo":1}}`, []string{`ERROR Internal error occurred: watch ERROR event without a Status: {"type":"ERROR","object":{"foo":1}}`}, ""},
		{"empty", "", nil, ""},
		{"truncated", `{"type":"ADDED","object":{"kind":"Pod"`, nil, "stream ended inside an event"},
		{"unknown type", `{"type":"WHAT","object":` + pod + `}`, nil, "unknown type"},
		{"no object", `{"type":"ADDED"}`, nil, "no object"},
		{"object without kind", `{"type":"ADDED","object":{"metadata":{}}}`, nil, "no object with a kind"},
		{"not an object", `[1]`, nil, "invalid character"},
		{"bad JSON", `{"type":"ADDED","object":{"kind":"Pod",}}`, nil, "malformed event"},
	}
	for _, tc := range cases {
		for name, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return strings.NewReader(tc.stream) },
			"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(tc.stream)) },
		} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				got, err := readEvents(r())
				assert.Equal(t, tc.want, got)
				if tc.err == "" {
					assert.Equal(t, io.EOF, err)
				} else {
					assert.ErrorContains(t, err, tc.err)
				}
			})
		}
	}
}

func TestJSONEventDecoderReadError(t *testing.T) {
	_, err := readEvents(iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader(`{"type":"ADDED"`))))
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
}

// FuzzJSONEvents feeds arbitrary bytes to the JSON watch decoder: events or
// an error, never a panic or a loop.
func FuzzJSONEvents(f *testing.F) {
	f.Add([]byte(`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}` + "\n"))
	f.Add([]byte(`{"type":"ERROR","object":{"kind":"Status","code":410}}{"type":"BOOKMARK","object":{"kind":"Pod"}}`))
	f.Add([]byte(`{"a":"\"}"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, _ := readEvents(bytes.NewReader(data))
		if len(events) > len(data) {
			t.Fatalf("%d events from %d bytes", len(events), len(data))
		}
		for _, e := range events {
			assert.True(t, strings.HasPrefix(e, string(watch.Added)) || strings.HasPrefix(e, string(watch.Modified)) ||
				strings.HasPrefix(e, string(watch.Deleted)) || strings.HasPrefix(e, string(watch.Bookmark)) ||
				strings.HasPrefix(e, string(watch.Error)))
		}
	})
}

// TestJSONEventDecoderStaysLinear: after one event of 2 MB, 200,000 small
// events. The decoder moves no more bytes than the stream holds (it used to
// move what was buffered after every event: 24.8 s instead of 1.2 s) and
// gives back the large buffer once the large event is done.
func TestJSONEventDecoderStaysLinear(t *testing.T) {
	var stream bytes.Buffer
	stream.WriteString(`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"big","annotations":{"x":"` +
		strings.Repeat("y", 2<<20) + `"}}}}` + "\n")
	for i := range 200_000 {
		fmt.Fprintf(&stream, `{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p%d"}}}`+"\n", i)
	}
	size := stream.Len()
	d := newJSONEventDecoder(io.NopCloser(&stream)).(*jsonEventDecoder)
	n := 0
	for {
		_, _, err := d.Decode()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 200_001, n)
	assert.LessOrEqual(t, d.moved, size, "bytes moved for a stream of %d bytes", size)
	assert.LessOrEqual(t, cap(d.buf), maxIdleEventBuffer, "the large buffer was given back")
}

// TestJSONEventDecoderShrinks: the buffer grown for one large event is
// given back at the next event, and what was read after it survives.
func TestJSONEventDecoderShrinks(t *testing.T) {
	pod := func(name string) string {
		return `{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"` + name + `"}}}`
	}
	stream := pod(strings.Repeat("b", 1<<20)) + pod("after") + pod("last")
	d := newJSONEventDecoder(io.NopCloser(strings.NewReader(stream))).(*jsonEventDecoder)
	_, obj, err := d.Decode()
	require.NoError(t, err)
	assert.Len(t, obj.(*unstructured.Unstructured).GetName(), 1<<20)
	assert.Greater(t, cap(d.buf), maxIdleEventBuffer)
	for _, want := range []string{"after", "last"} {
		_, obj, err = d.Decode()
		require.NoError(t, err)
		assert.Equal(t, want, obj.(*unstructured.Unstructured).GetName())
		assert.LessOrEqual(t, cap(d.buf), initialEventBuffer)
	}
}
