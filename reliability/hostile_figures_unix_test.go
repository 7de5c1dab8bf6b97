//go:build unix

package reliability

import (
	"os"
	"syscall"
)

// maxRSS returns a finished child's peak resident set, from getrusage.
func maxRSS(ps *os.ProcessState) uint64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return uint64(ru.Maxrss) << 10 // KiB on Linux
	}
	return 0
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
