package rest

import (
	"bytes"
	"errors"
)

// errOutputTooLarge stops the copy of a plugin's stdout past its limit; run
// reports a *TooLargeError instead.
var errOutputTooLarge = errors.New("output too large")

// cappedBuffer keeps the first limit bytes written to it. Past the limit it
// either fails the write (failPast: the plugin's stdout, whose copy then
// stops and whose pipe is closed) or drops the rest while accepting it
// (stderr: a chatty plugin must not die of a closed pipe).
type cappedBuffer struct {
	buf      bytes.Buffer
	limit    int
	failPast bool
	over     bool // more than limit bytes were written
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if len(p) <= room {
		return c.buf.Write(p)
	}
	c.buf.Write(p[:room])
	c.over = true
	if c.failPast {
		return room, errOutputTooLarge
	}
	return len(p), nil
}

// Bytes returns what was kept.
func (c *cappedBuffer) Bytes() []byte { return c.buf.Bytes() }
