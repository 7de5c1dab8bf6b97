package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/component-base/version"

	"github.com/kdyn/kdyn/e2e/harness"
	"github.com/kdyn/kdyn/e2e/internal/record"
)

// srv is the API server shared by every test in this binary.
var srv *harness.Server

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if v := version.Get().GitVersion; !strings.HasPrefix(v, "v1.") {
		fmt.Fprintf(os.Stderr, "e2e: the binary reports version %q; run `make e2e`, which links the version with -ldflags -X\n", v)
		return 1
	}
	// PodTemplates bypass the watch cache, so that TestDynamicWatchGone can
	// get a 410 from etcd after compacting it.
	s, err := harness.Start(harness.Options{Flags: []string{"--watch-cache-sizes=podtemplates#0"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv = s
	fmt.Printf("e2e: kube-apiserver %s at %s (log: %s)\n", version.Get().GitVersion, srv.URL, srv.LogFile)

	code := 1
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: setup:", err)
	} else {
		if rss, _, err := harness.Memory(); err == nil {
			fmt.Printf("e2e: RSS with the server up, before the tests: %d MiB\n", rss>>20)
		}
		code = m.Run()
	}

	if rss, peak, err := harness.Memory(); err == nil {
		fmt.Printf("e2e: test process (apiserver + etcd + tests) RSS %d MiB, peak %d MiB\n", rss>>20, peak>>20)
	}
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stop:", err)
		return 1
	}
	return code
}

// setup installs the base CRDs and records discovery before any test runs.
func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := installBaseCRDs(ctx, srv.ClientGoConfig()); err != nil {
		return err
	}
	client, err := serverHTTPClient()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	if baseline, err = record.Fetch(ctx, adminGetter(client)); err != nil {
		return err
	}
	kdynRecording, err = kdynRecord(ctx)
	return err
}

// serverHTTPClient is a plain net/http client that trusts only srv's CA.
func serverHTTPClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CAData) {
		return nil, errors.New("no certificate in the server CA bundle")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}
