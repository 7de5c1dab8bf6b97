//go:build unix

package rest

import (
	"os"
	"os/exec"
	"syscall"
)

// openNonblock keeps an open of a named pipe from waiting for a writer.
const openNonblock = syscall.O_NONBLOCK

// ownProcessGroup runs cmd in a process group of its own and makes its
// Cancel kill the whole group: a plugin that timed out must not leave
// children behind, still holding its output open.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != syscall.ESRCH {
			return err
		}
		return os.ErrProcessDone
	}
}
