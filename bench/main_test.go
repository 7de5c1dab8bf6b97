package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
)

// TestMain quiets the peers' logs (client-go's throttling notices,
// controller-runtime's unset-logger warning) so that the output is the
// results alone; the throttling shows in the legacy cold-start numbers.
func TestMain(m *testing.M) {
	flag.Parse()
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)
	crlog.SetLogger(logr.Discard())
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		fmt.Println("source:", source())
	}
	os.Exit(m.Run())
}

// source names the code measured for cmd/report: the commit, and whether
// the working tree held uncommitted changes, which the benchmarks build with.
func source() string {
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "an unknown commit"
	}
	s := "commit " + strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += " with uncommitted changes in the working tree"
	}
	return s
}

// cpuTime is the CPU time the process has used, user and system. The
// benchmarks report it beside wall time because the machines they run on
// are shared: wall time then measures the neighbours too.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process CPU time per op since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
