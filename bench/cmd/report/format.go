package main

import (
	"fmt"
	"math"
)

// formatter prints one measured value.
type formatter func(float64) string

func duration(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", ns/1e9)
}

func count(v float64) string {
	if v == math.Trunc(v) || v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func bytes(v float64) string {
	switch {
	case v < 1e3:
		return fmt.Sprintf("%.0f B", v)
	case v < 1e6:
		return fmt.Sprintf("%.1f KB", v/1e3)
	}
	return fmt.Sprintf("%.1f MB", v/1e6)
}

func rate(unit string) formatter {
	return func(v float64) string {
		if v >= 1e6 {
			return fmt.Sprintf("%.2f M %s", v/1e6, unit)
		}
		return fmt.Sprintf("%.0f %s", v, unit)
	}
}

func times(v float64) string { return fmt.Sprintf("%.2f×", v) }

// gain prints how many times better kdyn is than a peer.
func gain(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "∞"
	case v >= 100:
		return fmt.Sprintf("%.0f×", v)
	case v >= 10:
		return fmt.Sprintf("%.1f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}
