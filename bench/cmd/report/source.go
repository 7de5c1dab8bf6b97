package main

import (
	"os/exec"
	"strings"
)

// source names the code measured: the commit, and whether the working tree
// held uncommitted changes (the benchmarks build against the tree).
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
