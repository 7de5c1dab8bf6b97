package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/rest"
)

// throttler answers the first n requests itself with 429 and Retry-After, as
// an API server's priority and fairness does under load, and passes the rest
// on to the real server.
type throttler struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (t *throttler) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.n.Add(-1) >= 0 {
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		body := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too many requests","reason":"TooManyRequests","code":429}`
		return &http.Response{
			StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Retry-After": {"1"}, "Content-Type": {"application/json"}},
			Body:    io.NopCloser(strings.NewReader(body)),
			Request: req,
		}, nil
	}
	return t.next.RoundTrip(req)
}

// TestRestRetries: 429s with Retry-After are retried, for reads and for
// writes (the server did not act on them), and the request then reaches the
// real server with its body intact.
func TestRestRetries(t *testing.T) {
	ctx := context.Background()
	cfg, count := countedConfig(t)
	th := &throttler{next: count}
	cfg.Transport = th
	var retries atomic.Int32
	cfg.OnRetry = func(rest.RetryInfo) { retries.Add(1) }
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	ns := newNamespace(t, srv, "e2e-retry")
	cms := dynamic.New(rc).Resource(configMapsV1).Namespace(ns)

	th.n.Store(2)
	created, err := cms.Create(ctx, configMap("after-429", map[string]any{"k": "v"}), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "v", nested[string](t, created, "data", "k"))
	assert.Equal(t, int32(2), retries.Load())
	assert.Len(t, count.take(), 1, "only the last attempt reached the server")

	th.n.Store(1)
	got, err := cms.Get(ctx, "after-429", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, created.GetUID(), got.GetUID())
	assert.Equal(t, int32(3), retries.Load())

	noRetry := *cfg
	noRetry.MaxRetries = -1
	nrc, err := rest.NewClient(&noRetry)
	require.NoError(t, err)
	th.n.Store(1)
	_, err = dynamic.New(nrc).Resource(configMapsV1).Namespace(ns).Get(ctx, "after-429", metav1.GetOptions{})
	assert.True(t, apierrors.IsTooManyRequests(err), "%v", err)
}
