package discovery

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(writerProcessEnv) != "" {
		os.Exit(runWriterProcess())
	}
	goleak.VerifyTestMain(m)
}
