//go:build !unix

package reliability

import (
	"errors"
	"os"
)

// maxRSS is unknown here; TestHostileChildren runs on Linux only.
func maxRSS(*os.ProcessState) uint64 { return 0 }

func mkfifo(string) error { return errors.New("no named pipes here") }
