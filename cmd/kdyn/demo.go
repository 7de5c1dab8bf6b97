package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kdyn/kdyn/fixture"
)

func init() {
	commands["demo"] = command{
		summary: "run a generic operator against the bundled recording, step by step, with each step's cost",
		run:     demo,
	}
}

// demoData is the bundled recording, a copy of testdata/clusters/k8s-1.37
// (go:embed cannot reach outside this directory).
//
//go:embed demodata
var demoData embed.FS

const demoCluster = "k8s-1.37"

// demo runs "kdyn demo": the bundled recording served in-process and the
// scripted flow of demo_steps.go against it.
func demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "", stderr)
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return usageError(fs, "demo takes no arguments")
	}
	c, cleanup, err := loadDemoCluster()
	if err != nil {
		return err
	}
	defer cleanup()
	s, err := fixture.Start(c)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := newDemo(s, stdout)
	if err != nil {
		return err
	}
	return d.run(ctx)
}

// loadDemoCluster writes the bundled recording to a temporary directory,
// which fixture.Load reads, and loads it.
func loadDemoCluster() (*fixture.Cluster, func(), error) {
	dir, err := os.MkdirTemp("", "kdyn-demo-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	sub, err := fs.Sub(demoData, "demodata")
	if err == nil {
		err = os.CopyFS(dir, sub)
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("unpack the bundled recording: %w", err)
	}
	c, err := fixture.Load(filepath.Join(dir, demoCluster))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return c, cleanup, nil
}
