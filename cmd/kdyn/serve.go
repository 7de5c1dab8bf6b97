package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kdyn/kdyn/fixture"
)

func init() {
	commands["serve"] = command{
		summary: "serve a recorded cluster, or kubectl's discovery or HTTP cache, until interrupted (kubectl can talk to it)",
		run:     serve,
	}
}

// serve runs "kdyn serve DIR [--addr HOST:PORT] [--kubeconfig-out FILE] [--tls]".
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8001", "address to listen on; port 0 picks a free one")
	out := fs.String("kubeconfig-out", "", "write a kubeconfig for the server to this file")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a generated CA (the kubeconfig carries it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kdyn serve DIR [--addr HOST:PORT] [--kubeconfig-out FILE] [--tls]")
		fmt.Fprintln(stderr, "DIR is a recording (kdyn record), or kubectl's ~/.kube/cache/discovery/<host_port> or ~/.kube/cache/http")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one directory to serve")
	}
	c, err := fixture.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // interrupted while loading: nothing to serve
	}
	opts := []fixture.Option{fixture.WithAddr(*addr)}
	if *useTLS {
		opts = append(opts, fixture.WithTLS())
	}
	s, err := fixture.Start(c, opts...)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, s.Kubeconfig(), 0o600); err != nil {
			s.Close()
			return fmt.Errorf("write kubeconfig: %w", err)
		}
	}
	fmt.Fprintf(stdout, "serving %s at %s\n", c.Name(), s.URL)
	if *out != "" {
		fmt.Fprintf(stdout, "kubeconfig: %s (kubectl --kubeconfig %s api-resources)\n", *out, *out)
	}
	<-ctx.Done()
	return stop(s, shutdownGrace)
}

// shutdownGrace is how long an interrupted serve lets requests in flight
// finish before it closes their connections.
var shutdownGrace = 5 * time.Second

// stop ends s once interrupted: requests in flight get grace to finish,
// then every connection left is closed. Connections left at the deadline
// are no failure of the server: http.Server.Shutdown counts a connection
// that has sent nothing yet as busy for its first 5 s, and a client may
// hold one open (or a request half sent) for as long as it likes, so an
// interrupt must end in a clean exit whatever the clients do.
func stop(s *fixture.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// reorder moves flags before positional arguments, so that
// "serve DIR --addr X" parses like "serve --addr X DIR".
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !hasValue(a) && isValueFlag(a) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func hasValue(flagArg string) bool {
	for _, c := range flagArg {
		if c == '=' {
			return true
		}
	}
	return false
}

// isValueFlag reports whether a serve flag takes a value argument.
func isValueFlag(flagArg string) bool {
	switch flagArg {
	case "-addr", "--addr", "-kubeconfig-out", "--kubeconfig-out":
		return true
	}
	return false
}
