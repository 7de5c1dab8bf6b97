//go:build !unix

package rest

import "os/exec"

// openNonblock is unix's O_NONBLOCK; elsewhere opens do not wait on pipes
// the same way.
const openNonblock = 0

// ownProcessGroup leaves cmd as it is: process groups are a unix notion;
// cmd's default Cancel kills the plugin itself.
func ownProcessGroup(*exec.Cmd) {}
