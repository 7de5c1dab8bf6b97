//go:build !unix

package unstructured

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
