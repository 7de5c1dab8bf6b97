package harness

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// processTB adapts the harness to the testing.TB-like interface that
// k8s.io/kubernetes' test server requires, outside of any test: it lives as
// long as the Server. Log lines go to a writer (the server log file), errors
// are collected and returned by Stop, and Fatal unwinds Start through a panic
// that Start recovers.
type processTB struct {
	name string
	out  io.Writer // the server log

	mu       sync.Mutex // guards the fields below
	errs     []string
	cleanups []func()
}

// errFatal is the panic value of processTB.FailNow.
var errFatal = errors.New("harness: fatal error")

func newProcessTB(name string, out io.Writer) *processTB {
	return &processTB{name: name, out: out}
}

func (t *processTB) Attr(key, value string) { t.Logf("attr %s=%s", key, value) }
func (t *processTB) Helper()                {}
func (t *processTB) Name() string           { return t.name }

func (t *processTB) Log(args ...any) { t.Logf("%s", strings.TrimSuffix(fmt.Sprintln(args...), "\n")) }

func (t *processTB) Logf(format string, args ...any) {
	fmt.Fprintf(t.out, "[%s] %s\n", t.name, fmt.Sprintf(format, args...))
}

func (t *processTB) Error(args ...any) {
	t.Errorf("%s", strings.TrimSuffix(fmt.Sprintln(args...), "\n"))
}

func (t *processTB) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.Logf("ERROR: %s", msg)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, msg)
}

func (t *processTB) Fail() { t.Errorf("failed") }

func (t *processTB) FailNow() {
	t.Fail()
	panic(errFatal)
}

func (t *processTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.errs) > 0
}

func (t *processTB) Fatal(args ...any) {
	t.Error(args...)
	panic(errFatal)
}

func (t *processTB) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	panic(errFatal)
}

// Skipping makes no sense outside a test: it is reported as an error.
func (t *processTB) Skip(args ...any) { t.Fatal(append([]any{"skip:"}, args...)...) }
func (t *processTB) Skipf(format string, args ...any) {
	t.Fatalf("skip: "+format, args...)
}
func (t *processTB) SkipNow()      { t.Fatal("skip") }
func (t *processTB) Skipped() bool { return false }

func (t *processTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *processTB) Setenv(key, value string) {
	prev, had := os.LookupEnv(key)
	if err := os.Setenv(key, value); err != nil {
		t.Fatalf("setenv %s: %v", key, err)
	}
	t.Cleanup(func() {
		if had {
			os.Setenv(key, prev)
		} else {
			os.Unsetenv(key)
		}
	})
}

func (t *processTB) Chdir(dir string) {
	prev, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatalf("chdir %s: %v", dir, err)
	}
	t.Cleanup(func() { os.Chdir(prev) })
}

func (t *processTB) TempDir() string {
	dir, err := os.MkdirTemp("", "kdyn-e2e-tb-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// runCleanups runs the registered cleanups last-in first-out, as testing does,
// and returns the errors reported over the whole life of t.
func (t *processTB) runCleanups() error {
	for {
		t.mu.Lock()
		n := len(t.cleanups)
		if n == 0 {
			t.mu.Unlock()
			break
		}
		f := t.cleanups[n-1]
		t.cleanups = t.cleanups[:n-1]
		t.mu.Unlock()
		t.callCleanup(f)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", t.name, strings.Join(t.errs, "; "))
}

func (t *processTB) callCleanup(f func()) {
	defer func() {
		if r := recover(); r != nil && r != errFatal {
			t.Errorf("cleanup panicked: %v", r)
		}
	}()
	f()
}
