package harness

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"

	"k8s.io/klog/v2"
)

// logFile is a server's log. Writes after Close are dropped: the API server
// may still log from goroutines that outlive its shutdown.
type logFile struct {
	mu sync.Mutex // guards f
	f  *os.File   // nil once closed
}

func createLog(path string) (*logFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &logFile{f: f}, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return len(p), nil
	}
	return l.f.Write(p)
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// klogRoute sends klog's process-wide output, which the API server uses a
// lot, to the log of the most recently started Server still running instead
// of stderr, and drops it when none runs.
var klogRoute struct {
	once sync.Once
	err  error

	mu    sync.Mutex // guards stack
	stack []*logFile
}

type klogWriter struct{}

func (klogWriter) Write(p []byte) (int, error) {
	klogRoute.mu.Lock()
	defer klogRoute.mu.Unlock()
	if n := len(klogRoute.stack); n > 0 {
		return klogRoute.stack[n-1].Write(p)
	}
	return len(p), nil
}

// routeKlog makes l the destination of klog's output until unrouteKlog(l).
func routeKlog(l *logFile) error {
	klogRoute.once.Do(func() {
		fs := flag.NewFlagSet("klog", flag.ContinueOnError)
		klog.InitFlags(fs)
		// Errors too: the server logs expected ones while it bootstraps.
		for name, value := range map[string]string{"logtostderr": "false", "stderrthreshold": "FATAL"} {
			if err := fs.Set(name, value); err != nil {
				klogRoute.err = fmt.Errorf("klog flag %s: %w", name, err)
				return
			}
		}
		klog.SetOutput(klogWriter{})
	})
	if klogRoute.err != nil {
		return klogRoute.err
	}
	klogRoute.mu.Lock()
	defer klogRoute.mu.Unlock()
	klogRoute.stack = append(klogRoute.stack, l)
	return nil
}

func unrouteKlog(l *logFile) {
	klog.Flush()
	klogRoute.mu.Lock()
	defer klogRoute.mu.Unlock()
	klogRoute.stack = slices.DeleteFunc(klogRoute.stack, func(x *logFile) bool { return x == l })
}
