// Command kdyn is the kdyn CLI: it records clusters, serves recordings and
// talks to API servers with kdyn's dynamic client.
//
// Usage:
//
//	kdyn <command> [flags] [args]
//
// Each command lives in a file of its own and registers itself in commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// command is one subcommand. run gets the arguments after the command name;
// it returns when done or when ctx is cancelled (Ctrl-C).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands holds the subcommands by name; files add theirs in init.
var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the command to finish; restoring the default
	// handling then lets a second one end the process, should the command
	// be slow to (a graceful shutdown waiting on clients, a slow load).
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kdyn: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // -h: the command printed its usage
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "kdyn %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "kdyn %s: %v\n", args[0], err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kdyn <command> [flags] [args]\n\ncommands:")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-14s %s\n", name, commands[name].summary)
	}
}
