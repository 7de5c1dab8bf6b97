package reliability

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// The figures of RELIABILITY.md's "Hostile servers and files": each
// scenario runs in a child process (this test binary, re-executed with
// scenarioEnv set; see TestMain) with kdyn's default limits, so that its
// peak RSS (getrusage maxrss) is its own, and a watchdog kills a child whose
// RSS passes a ceiling, since before the fixes several grew until the
// machine ran out of memory.
//
//	go test -count=1 -run TestHostileChildren -v ./reliability/ -args -hostile-figures
var figuresFlag = flag.Bool("hostile-figures", false, "measure every hostile scenario at full size (minutes, up to 2 GiB per child)")

// scenarioEnv names the scenario a child process runs instead of the tests;
// with smallLimitsEnv set too, the child reads within smallLimits instead
// of the defaults (make test runs under -race, which multiplies the memory
// and time of reading 64 MiB tenfold).
const (
	scenarioEnv    = "KDYN_HOSTILE_SCENARIO"
	smallLimitsEnv = "KDYN_HOSTILE_SMALL_LIMITS"
)

var smallLimits = rest.Limits{Object: 4 << 20, List: 16 << 20, Discovery: 16 << 20}

// childLimits are the limits of a child's clients.
var childLimits rest.Limits

// scenarios are the child sides: each sets up a hostile server or file,
// does what a user would, and returns what happened in one line.
var scenarios = map[string]func() string{
	"gzip-bomb":            gzipBombGet,
	"endless-get":          func() string { return endlessRead("get") },
	"endless-list":         func() string { return endlessRead("list") },
	"endless-discovery":    func() string { return endlessRead("discovery") },
	"endless-watch-event":  endlessWatchEvent,
	"exec-stdout-512MiB":   func() string { return execOutput("yes | head -c 536870912\n") },
	"exec-stderr-512MiB":   func() string { return execOutput("yes | head -c 536870912 >&2\nexit 1\n") },
	"exec-child-holds-out": func() string { return execOutput("echo '" + execCred + "'\nsleep 150 &\n") },
	"token-file-fifo":      tokenFileFIFO,
	"token-file-dev-zero":  func() string { return newClientErr(&rest.Config{Host: "https://x:1", BearerTokenFile: "/dev/zero"}) },
	"retry-after-overflow": func() string { return retryAfter("9223372037") },
	"retry-after-31-years": func() string { return retryAfter("999999999") },
	"warnings-200k":        uniqueWarnings,
	"watch-after-2MB":      watchAfterLargeEvent,
}

const execCred = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}`

// runScenario runs the named scenario and prints its outcome; TestMain
// calls it in a child process.
func runScenario(name string) int {
	f, ok := scenarios[name]
	if !ok {
		fmt.Println("outcome: no scenario", name)
		return 2
	}
	if os.Getenv(smallLimitsEnv) != "" {
		childLimits = smallLimits
	}
	start := time.Now()
	out := f()
	fmt.Printf("outcome: %s (%.2f s)\n", out, time.Since(start).Seconds())
	return 0
}

// childResult is what the parent saw of one child.
type childResult struct {
	outcome string
	maxRSS  uint64 // bytes
	elapsed time.Duration
	killed  string // why the watchdog killed it; "" if it ended alone
}

func (r childResult) String() string {
	s := fmt.Sprintf("%.1f s, max RSS %.0f MiB", r.elapsed.Seconds(), float64(r.maxRSS)/(1<<20))
	if r.killed != "" {
		return s + ", killed: " + r.killed
	}
	return s + ", " + r.outcome
}

// runChild runs scenario name in a child process, killing it past ceiling
// bytes of RSS or after timeout.
func runChild(t *testing.T, name string, small bool, ceiling uint64, timeout time.Duration) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), scenarioEnv+"="+name)
	if small {
		cmd.Env = append(cmd.Env, smallLimitsEnv+"=1")
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, io.Discard
	start := time.Now()
	require.NoError(t, cmd.Start())
	var killed atomic.Value
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(timeout)
		for {
			select {
			case <-done:
				return
			case <-deadline:
				killed.Store(fmt.Sprintf("still running after %s", timeout))
				_ = cmd.Process.Kill()
				return
			case <-tick.C:
				if rss := currentRSS(cmd.Process.Pid); rss > ceiling {
					killed.Store(fmt.Sprintf("RSS passed %d MiB", ceiling>>20))
					_ = cmd.Process.Kill()
					return
				}
			}
		}
	}()
	_ = cmd.Wait()
	close(done)
	r := childResult{elapsed: time.Since(start), maxRSS: maxRSS(cmd.ProcessState)}
	if k, ok := killed.Load().(string); ok {
		r.killed = k
	}
	for line := range strings.Lines(stdout.String()) {
		if o, ok := strings.CutPrefix(line, "outcome: "); ok {
			r.outcome = strings.TrimSpace(o)
		}
	}
	return r
}

// currentRSS reads a process's resident set from /proc; 0 where there is
// none.
func currentRSS(pid int) uint64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestHostileChildren runs the light scenarios in child processes, with
// smallLimits, each under a 512 MiB RSS ceiling and a 1-minute watchdog:
// before the fixes each of them was killed there, hung, or failed
// otherwise. With -hostile-figures it then measures every scenario at full
// size with the default limits for RELIABILITY.md (minutes, up to 2 GiB per
// child), logging only.
func TestHostileChildren(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads RSS from /proc")
	}
	light := []struct{ name, want string }{
		{"endless-get", "response body is larger than the limit of 4 MiB"},
		{"gzip-bomb", "response body is larger than the limit of 4 MiB"},
		{"endless-list", "response body is larger than the limit of 16 MiB"},
		{"endless-discovery", "response body is larger than the limit of 16 MiB"},
		{"endless-watch-event", "413 Request entity too large: rest: watch event is larger than the limit of 4 MiB"},
		{"exec-stdout-512MiB", "output is larger than the limit of 1 MiB"},
		{"exec-stderr-512MiB", "exit status 1"},
		{"token-file-fifo", "is a named pipe, not a regular file"},
		{"token-file-dev-zero", "/dev/zero is a device, not a regular file"},
		{"retry-after-overflow", "1 requests: the server has received too many requests"},
		{"retry-after-31-years", "1 requests: the server has received too many requests"},
	}
	for _, sc := range light {
		r := runChild(t, sc.name, true, 512<<20, time.Minute)
		t.Logf("%-22s %s", sc.name, r)
		assert.Empty(t, r.killed, sc.name)
		assert.Contains(t, r.outcome, sc.want, sc.name)
	}
	if !*figuresFlag {
		return
	}
	names := strings.Fields(os.Getenv("KDYN_HOSTILE_ONLY")) // a subset, to measure again
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(scenarios))
	}
	for _, name := range names {
		t.Logf("full size: %-22s %s", name, runChild(t, name, false, 2<<30, 4*time.Minute))
	}
}

// gzipBombGet answers a Get with 512 gzip members of 1 MiB of zeros each
// (gzip readers read concatenated members as one stream): half a megabyte
// that inflates to 512 MiB.
func gzipBombGet() string {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()
	bomb := bytes.NewBuffer(bytes.Repeat(member.Bytes(), 512))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}))
	defer srv.Close()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{}})
	if err != nil {
		return err.Error()
	}
	_, err = dyn.Resource(configMaps).Namespace("default").Get(context.Background(), "c", metav1.GetOptions{})
	return fmt.Sprintf("%d bytes of gzip: %v", bomb.Len(), err)
}

// endlessHandler writes head and then chunk to every request until the
// client goes away.
func endlessHandler(head string, chunk []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, head); err != nil {
			return
		}
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

func endlessRead(what string) string {
	srv := httptest.NewServer(endlessHandler(`{"kind":"PodList","items":[`, bytes.Repeat([]byte(`{"kind":"Pod"},`), 4096)))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{}}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err.Error()
	}
	pods := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "pods"}).Namespace("default")
	switch what {
	case "get":
		_, err = pods.Get(context.Background(), "p", metav1.GetOptions{})
	case "list":
		_, err = pods.List(context.Background(), metav1.ListOptions{})
	default:
		var d *discovery.Client
		if d, err = discovery.NewForConfig(cfg, discovery.Options{}); err == nil {
			_, err = d.Groups(context.Background())
		}
	}
	return fmt.Sprint(err)
}

func endlessWatchEvent() string {
	srv := httptest.NewServer(endlessHandler(`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"`, bytes.Repeat([]byte("y"), 64<<10)))
	defer srv.Close()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{}})
	if err != nil {
		return err.Error()
	}
	w, err := dyn.Resource(configMaps).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	defer w.Stop()
	var last string
	for e := range w.ResultChan() {
		last = string(e.Type)
		if st, ok := e.Object.(*metav1.Status); ok {
			last += fmt.Sprintf(" %d %s", st.Code, st.Message)
		}
	}
	return last
}

// execOutput runs a plugin made of script for one request.
func execOutput(script string) string {
	dir, _ := os.MkdirTemp("", "kdyn-plugin")
	defer os.RemoveAll(dir)
	plugin := filepath.Join(dir, "plugin")
	_ = os.WriteFile(plugin, []byte("#!/bin/sh\n"+script), 0o700)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) }))
	defer srv.Close()
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{},
		ExecProvider: &rest.ExecConfig{Command: plugin, APIVersion: "client.authentication.k8s.io/v1"}})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(rc.Get().AbsPath("/version").Do(context.Background()).Error())
}

func newClientErr(cfg *rest.Config) string {
	_, err := rest.NewClient(cfg)
	return fmt.Sprint(err)
}

func tokenFileFIFO() string {
	dir, _ := os.MkdirTemp("", "kdyn-fifo")
	defer os.RemoveAll(dir)
	fifo := filepath.Join(dir, "token")
	if err := mkfifo(fifo); err != nil {
		return err.Error()
	}
	return newClientErr(&rest.Config{Host: "https://x:1", BearerTokenFile: fifo})
}

func retryAfter(secs string) string {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Retry-After", secs)
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{}})
	if err != nil {
		return err.Error()
	}
	err = rc.Get().AbsPath("/version").Do(context.Background()).Error()
	return fmt.Sprintf("%d requests: %v", requests.Load(), err)
}

// uniqueWarnings sends 200,000 requests, each answered with a distinct
// Warning, through the default (process-wide) warning handler, and reports
// the live heap after.
func uniqueWarnings() string {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", fmt.Sprintf(`299 - "deprecated field %d %s"`, n.Add(1), strings.Repeat("x", 1000)))
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	rc, err := rest.NewClient(&rest.Config{Host: srv.URL})
	if err != nil {
		return err.Error()
	}
	before := heap()
	for range 200_000 {
		if err := rc.Get().AbsPath("/version").Do(context.Background()).Error(); err != nil {
			return err.Error()
		}
	}
	return fmt.Sprintf("live heap %s before, %s after 200,000 distinct warnings", mib(before), mib(heap()))
}

// watchAfterLargeEvent streams one 2 MB event then 200,000 small ones to
// a dynamic watch and reports how long they took to arrive.
func watchAfterLargeEvent() string {
	var stream bytes.Buffer
	stream.WriteString(`{"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"big","annotations":{"x":"` +
		strings.Repeat("y", 2<<20) + `"}}}}` + "\n")
	for i := range 200_000 {
		fmt.Fprintf(&stream, `{"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"c%d"}}}`+"\n", i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(stream.Bytes())
	}))
	defer srv.Close()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, Limits: childLimits, WarningHandler: rest.NoWarnings{}})
	if err != nil {
		return err.Error()
	}
	start := time.Now()
	w, err := dyn.Resource(configMaps).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	defer w.Stop()
	n := 0
	for range w.ResultChan() {
		n++
	}
	return fmt.Sprintf("%d events in %.1f s", n, time.Since(start).Seconds())
}
