package rest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// tokenFile reads a bearer token from a file and reads it again when the
// file changes, as projected service-account tokens are rotated in place.
type tokenFile struct {
	path     string
	fallback string // Config.BearerToken, used while the file is unreadable at start

	mu    sync.Mutex // guards token, mod, size
	token string
	mod   time.Time
	size  int64
}

// newTokenFile reads path once so that a missing file is reported now.
func newTokenFile(path, fallback string) (*tokenFile, error) {
	t := &tokenFile{path: path, fallback: fallback}
	if _, err := t.current(); err != nil && fallback == "" {
		return nil, err
	}
	return t, nil
}

func (t *tokenFile) authorization(context.Context) (string, error) {
	tok, err := t.current()
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

// current returns the token, re-reading the file when its size or
// modification time changed. The file is read without holding the lock,
// and only if it is a regular file of at most 1 MiB: a named pipe would
// hang the read, a device never end it.
func (t *tokenFile) current() (string, error) {
	fi, statErr := os.Stat(t.path)
	t.mu.Lock()
	tok := t.token
	fresh := statErr == nil && tok != "" && fi.ModTime().Equal(t.mod) && fi.Size() == t.size
	t.mu.Unlock()
	if fresh {
		return tok, nil
	}
	data, err := readRegular(t.path, maxTokenFile)
	if err != nil || statErr != nil {
		return t.stale(fmt.Errorf("rest: BearerTokenFile: %w", firstErr(statErr, err)))
	}
	tok = strings.TrimSpace(string(data))
	if tok == "" {
		return t.stale(fmt.Errorf("rest: BearerTokenFile %s is empty", t.path))
	}
	t.mu.Lock()
	t.token, t.mod, t.size = tok, fi.ModTime(), fi.Size()
	t.mu.Unlock()
	return tok, nil
}

// stale keeps using the last good token (or the fallback) while the file is
// being replaced; err is returned only when there is nothing to use.
func (t *tokenFile) stale(err error) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" {
		return t.token, nil
	}
	if t.fallback != "" {
		return t.fallback, nil
	}
	return "", err
}

// refresh forgets what was read, so a rotated token is picked up even when
// the file's size and time did not change; worth a retry if it differs.
func (t *tokenFile) refresh(_ context.Context, used string) bool {
	t.mu.Lock()
	t.mod = time.Time{}
	t.mu.Unlock()
	tok, err := t.current()
	return err == nil && "Bearer "+tok != used
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
