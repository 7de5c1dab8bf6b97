package reliability

import (
	"flag"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// loadFlag runs the load test for its full 30 s instead of 3 s:
//
//	go test -run TestLoad -v ./reliability/ -args -load
var loadFlag = flag.Bool("load", false, "run the load test for 30 s instead of 3 s")

func TestMain(m *testing.M) {
	if name := os.Getenv(scenarioEnv); name != "" { // a child of TestHostileChildren
		os.Exit(runScenario(name))
	}
	goleak.VerifyTestMain(m)
}
