//go:build !unix

package dynamic

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
