//go:build unix

package dynamic

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time this process has used, all threads (and
// so the garbage collector's workers) included. Unlike wall time it does not
// grow when other processes compete for the machine.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
