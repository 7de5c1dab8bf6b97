package rest

import (
	"errors"
	"io"
	"math"
	"sync"
)

// Reading a whole body costs at most one allocation of exactly its length,
// and none when it fits in the scratch buffer it is read into (a body
// Request.DoWith lent before). A body goes first into that buffer, or into
// one of its announced length when it announced a small one; whatever does
// not fit arrives in pooled chunks and is copied once, at its end, into a
// slice of its length. io.ReadAll, which grows slices until the body ends
// and then copies them too, allocated about twice the body: for a List of
// 5,000 pods, as many bytes again as the decoded metadata, all of it for
// the garbage collector.
const (
	// chunkSize is the size of each pooled chunk: sixteen TLS records, and
	// few enough chunks for the largest List that their list is cheap.
	chunkSize = 64 << 10
	// maxPooledChunks bounds what one read returns to the pool, so a body
	// of a gigabyte does not keep a gigabyte of chunks after it.
	maxPooledChunks = 64
	// maxPresized bounds what an announced length alone may allocate before
	// its bytes arrive: every single object (etcd keeps them under 1.5 MiB)
	// and small lists. Past it, memory follows the bytes that arrive.
	maxPresized = 8 << 20
)

// chunk is one piece of a body being read.
type chunk = [chunkSize]byte

var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

// readAtMost reads r to its end, failing with a *TooLargeError naming what
// once more than limit bytes arrive; limit < 0 reads without a limit.
func readAtMost(r io.Reader, limit int64, what string) ([]byte, error) {
	return readSized(r, -1, limit, what, nil)
}

// readSized is readAtMost for a body that announced its length: size, or
// -1 when it did not. The announcement only sizes the buffer; the limit
// still counts the bytes that arrive, and a body shorter than announced is
// an io.ErrUnexpectedEOF, as the transport reports it. The body goes into
// scratch when it fits there, else into a new slice.
func readSized(r io.Reader, size, limit int64, what string, scratch []byte) ([]byte, error) {
	if limit == math.MaxInt64 {
		limit = -1
	}
	b := chunkedBody{r: r, limit: limit, what: what, scratch: scratch}
	defer b.release()
	announced := size >= 0 && size <= maxPresized && (limit < 0 || size <= limit)
	switch {
	case announced:
		b.first = b.alloc(size)
	case scratch != nil:
		b.first = scratch[:0]
	}
	ended, err := b.readFirst()
	switch {
	case err != nil:
		return nil, err
	case ended && announced && b.n < size:
		return nil, io.ErrUnexpectedEOF
	case ended:
		return b.first[:b.n:b.n], nil
	}
	if err := b.readChunks(); err != nil {
		return nil, err
	}
	return b.bytes(), nil
}

// chunkedBody is a body being read from r within limit (< 0: none): first
// the slice first up to its capacity, then pooled chunks, the last one
// filled up to tail bytes.
type chunkedBody struct {
	r       io.Reader
	limit   int64
	what    string
	scratch []byte // where the whole body goes if it fits
	first   []byte
	chunks  []*chunk
	tail    int
	n       int64 // bytes read in all
}

// alloc returns a slice of length 0 and capacity n: the scratch buffer
// when it has room, else a new one.
func (b *chunkedBody) alloc(n int64) []byte {
	if b.scratch != nil && int64(cap(b.scratch)) >= n {
		return b.scratch[:0:n]
	}
	return make([]byte, 0, n)
}

// readFirst reads into first until it is full or the body ends, and
// reports whether it ended.
func (b *chunkedBody) readFirst() (bool, error) {
	for len(b.first) < cap(b.first) {
		n, err := b.read(b.first[len(b.first):cap(b.first)])
		b.first = b.first[:len(b.first)+n]
		if err != nil {
			return errors.Is(err, io.EOF), ignoreEOF(err)
		}
	}
	return false, nil
}

// readChunks reads the rest of the body into chunks.
func (b *chunkedBody) readChunks() error {
	for {
		if len(b.chunks) == 0 || b.tail == chunkSize {
			b.chunks = append(b.chunks, chunkPool.Get().(*chunk))
			b.tail = 0
		}
		n, err := b.read(b.chunks[len(b.chunks)-1][b.tail:])
		b.tail += n
		if err != nil {
			return ignoreEOF(err)
		}
	}
}

// read reads into p, one byte past the limit at most, to tell a body of
// exactly the limit from a longer one; past the limit it fails with a
// *TooLargeError.
func (b *chunkedBody) read(p []byte) (int, error) {
	if b.limit >= 0 && int64(len(p)) > b.limit+1-b.n {
		p = p[:b.limit+1-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.limit >= 0 && b.n > b.limit {
		return n, &TooLargeError{What: b.what, Limit: b.limit}
	}
	return n, err
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// bytes returns the body in one slice of exactly its length.
func (b *chunkedBody) bytes() []byte {
	if b.n == int64(len(b.first)) && b.first != nil {
		return b.first[:b.n:b.n]
	}
	// first may lie at the start of scratch already: copying it onto
	// itself is harmless.
	out := append(b.alloc(b.n), b.first...)
	for i, c := range b.chunks {
		if i == len(b.chunks)-1 {
			return append(out, c[:b.tail]...)
		}
		out = append(out, c[:]...)
	}
	return out
}

// release returns the chunks to the pool, at most maxPooledChunks of them.
func (b *chunkedBody) release() {
	for i, c := range b.chunks {
		if i == maxPooledChunks {
			break
		}
		chunkPool.Put(c)
	}
	b.chunks = nil
}

// lentBodies holds the bodies Request.DoWith lent and got back, for the
// next ones to be read into.
var lentBodies sync.Pool // of *[]byte

// maxLentBody bounds the bodies kept for reuse, so a huge List read once
// does not stay in the pool.
const maxLentBody = 64 << 20

// borrowBody returns a pooled buffer for a body to be lent, or nil.
func borrowBody() []byte {
	if p, ok := lentBodies.Get().(*[]byte); ok {
		return *p
	}
	return nil
}

// returnBody gives a lent body back to the pool.
func returnBody(b []byte) {
	if cap(b) == 0 || cap(b) > maxLentBody {
		return
	}
	b = b[:0]
	lentBodies.Put(&b)
}
