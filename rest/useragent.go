package rest

import (
	"runtime"
	"runtime/debug"
)

const modulePath = "github.com/kdyn/kdyn"

// DefaultUserAgent returns "kdyn/<version> (<os>/<arch>)", the version being
// the kdyn module's version in the running binary's build info ("devel" when
// it was built from a work tree).
func DefaultUserAgent() string {
	return "kdyn/" + moduleVersion() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if info.Main.Path == modulePath && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == modulePath && dep.Version != "" {
			return dep.Version
		}
	}
	return "devel"
}
