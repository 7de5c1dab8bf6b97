package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// body returns n bytes that differ from chunk to chunk, so a piece copied
// to the wrong place shows.
func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/chunkSize)
	}
	return b
}

// readReference is what readSized must answer: io.ReadAll's bytes, or a
// *TooLargeError past the limit.
func readReference(data []byte, limit int64) ([]byte, error) {
	if limit >= 0 && limit != math.MaxInt64 && int64(len(data)) > limit {
		return nil, &TooLargeError{What: "body", Limit: limit}
	}
	return data, nil
}

func TestReadSized(t *testing.T) {
	sizes := []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 5}
	for _, n := range sizes {
		data := body(n)
		for _, limit := range []int64{-1, math.MaxInt64, int64(n), int64(n) - 1, int64(n) + 1, 0} {
			// -1: the length unannounced; else announced right.
			for _, announced := range []int64{-1, int64(n)} {
				for name, wrap := range map[string]func(io.Reader) io.Reader{
					"whole":     func(r io.Reader) io.Reader { return r },
					"one byte":  iotest.OneByteReader,
					"half":      iotest.HalfReader,
					"EOF early": iotest.DataErrReader,
				} {
					t.Run(fmt.Sprintf("%d bytes/limit %d/announced %d/%s", n, limit, announced, name), func(t *testing.T) {
						want, wantErr := readReference(data, limit)
						// An announcement past the limit, which readBody
						// refuses unread, leaves readSized counting.
						got, err := readSized(wrap(bytes.NewReader(data)), announced, limit, "body", nil)
						if wantErr != nil {
							assert.Equal(t, wantErr, err)
							return
						}
						require.NoError(t, err)
						require.NotNil(t, got)
						assert.True(t, bytes.Equal(want, got), "bytes differ")
						assert.Equal(t, len(got), cap(got), "one slice of exactly the body's length")
					})
				}
			}
		}
	}
}

func TestReadSizedAnnouncedWrong(t *testing.T) {
	data := body(2*chunkSize + 3)
	// Shorter than announced: the transport's error for a cut body.
	_, err := readSized(bytes.NewReader(data), int64(len(data))+10, -1, "body", nil)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = readSized(bytes.NewReader(nil), 10, -1, "body", nil)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// Longer than announced (a Config.Transport that does not stop at
	// Content-Length): read on, within the limit.
	for _, announced := range []int64{0, 1, 100, chunkSize} {
		got, err := readSized(bytes.NewReader(data), announced, -1, "body", nil)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got), "announced %d", announced)
		_, err = readSized(bytes.NewReader(data), announced, int64(len(data))-1, "body", nil)
		var tl *TooLargeError
		assert.ErrorAs(t, err, &tl, "announced %d", announced)
		got, err = readSized(bytes.NewReader(data), announced, int64(len(data)), "body", nil)
		require.NoError(t, err)
		assert.Len(t, got, len(data))
	}
	// Announced right, then one byte more than a limit of exactly the
	// announcement.
	_, err = readSized(bytes.NewReader(data), 100, 100, "body", nil)
	var tl *TooLargeError
	assert.ErrorAs(t, err, &tl)
}

// TestReadSizedIntoScratch reads bodies into scratch buffers of every
// size around theirs: the body lands in scratch when it fits, whole.
func TestReadSizedIntoScratch(t *testing.T) {
	for _, n := range []int{0, 1, 100, chunkSize, 2*chunkSize + 3} {
		data := body(n)
		for _, room := range []int{0, n / 2, n, n + 1, 3*n + chunkSize} {
			for _, announced := range []int64{-1, int64(n), int64(n / 2)} {
				scratch := make([]byte, 7, room+7)[7:]
				got, err := readSized(bytes.NewReader(data), announced, -1, "body", scratch)
				require.NoError(t, err)
				require.True(t, bytes.Equal(data, got), "%d bytes, room %d, announced %d", n, room, announced)
				assert.Equal(t, len(got), cap(got))
				if n > 0 && room >= n {
					assert.Same(t, &scratch[:1][0], &got[0], "%d bytes fit in %d", n, room)
				}
			}
		}
	}
}

// TestDoWith checks what DoWith hands its decode function and returns.
func TestDoWith(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
		default:
			_, _ = w.Write([]byte(r.URL.Path))
		}
	})
	c := newTestClient(t, srv)
	ctx := context.Background()
	var got string
	require.NoError(t, c.Get().AbsPath("/a").DoWith(ctx, func(res Result) error {
		data, err := res.Raw()
		got = string(data)
		return err
	}))
	assert.Equal(t, "/a", got)

	boom := errors.New("boom")
	assert.Equal(t, boom, c.Get().AbsPath("/a").DoWith(ctx, func(Result) error { return boom }), "decode's error")

	err := c.Get().AbsPath("/missing").DoWith(ctx, func(res Result) error {
		assert.Equal(t, http.StatusNotFound, res.StatusCode())
		return res.Error()
	})
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	srv.Close()
	err = c.Get().AbsPath("/a").DoWith(ctx, func(res Result) error { return res.Error() })
	var re *RequestError
	assert.ErrorAs(t, err, &re, "no answer: the request's error")
}

// TestDoWithIntoUnstructured decodes unstructured objects, whose strings
// share the body they come from, in DoWith: they keep their values while
// the lent bodies are reused by the requests after them.
func TestDoWithIntoUnstructured(t *testing.T) {
	obj := func(name string) string {
		return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"},"data":{"k":"` + name + `"}}`
	}
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(obj(r.URL.Path[1:])))
	})
	c := newTestClient(t, srv)
	var objs []*unstructured.Unstructured
	for _, name := range []string{"aaaa", "bbbb", "cccc", "dddd"} {
		u := &unstructured.Unstructured{}
		require.NoError(t, c.Get().AbsPath("/"+name).DoWith(context.Background(), func(res Result) error { return res.Into(u) }))
		objs = append(objs, u)
	}
	for i, name := range []string{"aaaa", "bbbb", "cccc", "dddd"} {
		assert.Equal(t, name, objs[i].GetName())
		v, _, _ := unstructured.NestedString(objs[i].Object, "data", "k")
		assert.Equal(t, name, v)
	}
}

// countingReader is an endless body that counts what it gave.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func TestReadSizedStopsOneBytePastTheLimit(t *testing.T) {
	for _, limit := range []int64{0, 1, chunkSize - 1, chunkSize, 5*chunkSize + 17} {
		for _, announced := range []int64{-1, 0, limit} {
			r := &countingReader{}
			_, err := readSized(r, announced, limit, "response body", nil)
			assert.Equal(t, &TooLargeError{What: "response body", Limit: limit}, err)
			assert.Equal(t, limit+1, r.n, "limit %d, announced %d", limit, announced)
		}
	}
}

func TestReadSizedPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, announced := range []int64{-1, 10, 1 << 20} {
		_, err := readSized(iotest.ErrReader(boom), announced, -1, "body", nil)
		assert.ErrorIs(t, err, boom)
		_, err = readSized(io.MultiReader(bytes.NewReader(body(10)), iotest.ErrReader(boom)), announced, -1, "body", nil)
		assert.ErrorIs(t, err, boom)
	}
}

// TestReadSizedOwnsItsBytes reads bodies one after the other, through the
// chunk pool: an earlier body must keep its bytes.
func TestReadSizedOwnsItsBytes(t *testing.T) {
	var kept [][]byte
	for i := range 8 {
		data := bytes.Repeat([]byte{byte('a' + i)}, chunkSize*2+i)
		got, err := readSized(bytes.NewReader(data), -1, -1, "body", nil)
		require.NoError(t, err)
		kept = append(kept, got)
	}
	for i, got := range kept {
		assert.Equal(t, bytes.Repeat([]byte{byte('a' + i)}, chunkSize*2+i), got, "body %d", i)
	}
}

// TestDoReadsAnnouncedBodies checks Do against bodies with and without a
// Content-Length, and a HEAD, whose Content-Length is not its body's.
func TestDoReadsAnnouncedBodies(t *testing.T) {
	data := body(3*chunkSize + 11)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("length") == "yes" {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		}
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", "3000000")
			return
		}
		_, _ = w.Write(data)
	})
	c := newTestClient(t, srv, func(c *Config) { c.Limits.List = 1 << 20 })
	for _, length := range []string{"yes", "no"} {
		got, err := c.Get().AbsPath("/x").Param("length", length).Do(context.Background()).Raw()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got), "Content-Length: %s", length)
	}
	res := c.Verb(http.MethodHead).AbsPath("/x").Do(context.Background())
	require.NoError(t, res.Error(), "a HEAD announcing more than the limit has no body to refuse")
	assert.Equal(t, "3000000", res.Header().Get("Content-Length"))
	assert.Empty(t, res.body)
}

// FuzzReadSized compares readSized with io.ReadAll for any body, any
// announced length and limit, read in pieces of any size.
func FuzzReadSized(f *testing.F) {
	f.Add([]byte("abc"), int64(-1), int64(-1), uint16(1), uint16(0))
	f.Add([]byte("abc"), int64(3), int64(3), uint16(2), uint16(3))
	f.Add([]byte("abc"), int64(2), int64(2), uint16(7), uint16(10))
	f.Fuzz(func(t *testing.T, data []byte, announced, limit int64, piece, room uint16) {
		if announced < -1 || limit < -1 || piece == 0 {
			return
		}
		r := &pieceReader{data: data, piece: int(piece)}
		got, err := readSized(r, announced, limit, "body", make([]byte, 0, room))
		var tl *TooLargeError
		switch {
		case limit >= 0 && limit != math.MaxInt64 && int64(len(data)) > limit:
			if !errors.As(err, &tl) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%d bytes, limit %d: %v", len(data), limit, err)
			}
		case announced > int64(len(data)) && announced <= maxPresized && (limit < 0 || announced <= limit):
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%d bytes announced as %d: %v", len(data), announced, err)
			}
		case err != nil:
			t.Fatalf("%d bytes, announced %d, limit %d: %v", len(data), announced, limit, err)
		case !bytes.Equal(data, got):
			t.Fatalf("read %d bytes, want %d", len(got), len(data))
		}
	})
}

// pieceReader gives data at most piece bytes at a time.
type pieceReader struct {
	data  []byte
	piece int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.piece)], p.data)
	p.data = p.data[n:]
	return n, nil
}

// BenchmarkReadBody reads a body of 1 MiB, its length announced or not,
// as Do did (io.ReadAll) and as it does.
func BenchmarkReadBody(b *testing.B) {
	data := body(1 << 20)
	for _, bb := range []struct {
		name string
		read func(r io.Reader) ([]byte, error)
	}{
		{"io.ReadAll", io.ReadAll},
		{"unannounced", func(r io.Reader) ([]byte, error) { return readSized(r, -1, 1<<30, "body", nil) }},
		{"announced", func(r io.Reader) ([]byte, error) { return readSized(r, int64(len(data)), 1<<30, "body", nil) }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				got, err := bb.read(bytes.NewReader(data))
				if err != nil || len(got) != len(data) {
					b.Fatal(len(got), err)
				}
			}
		})
	}
}
