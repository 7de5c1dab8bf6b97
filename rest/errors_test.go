package rest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const notFoundStatus = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}`

func TestErrorFromResponse(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		header http.Header
		body   string
		check  func(error) bool
		msg    string
	}{
		{"status body", 404, nil, notFoundStatus, apierrors.IsNotFound, `pods "x" not found`},
		{"status without code", 409, nil, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","message":"changed"}`, apierrors.IsConflict, "changed"},
		{"plain 404", 404, nil, "404 page not found", apierrors.IsNotFound, "could not find"},
		{"html 503", 503, http.Header{"Retry-After": {"3"}}, "<html>down</html>", apierrors.IsServiceUnavailable, "unable to handle"},
		{"500 excerpt", 500, nil, "boom", apierrors.IsInternalError, `"boom"`},
		{"429", 429, nil, "", apierrors.IsTooManyRequests, "too many requests"},
		{"403 keeps message", 403, nil, "nope", apierrors.IsForbidden, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ErrorFromResponse(tt.code, tt.header, []byte(tt.body))
			require.Error(t, err)
			var se *apierrors.StatusError
			require.ErrorAs(t, err, &se)
			assert.EqualValues(t, tt.code, se.Status().Code)
			assert.True(t, tt.check(err), "%v", err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	assert.NoError(t, ErrorFromResponse(200, nil, nil))
	assert.NoError(t, ErrorFromResponse(304, nil, nil))
}

func TestErrorRetryAfterAndExcerpt(t *testing.T) {
	err := ErrorFromResponse(503, http.Header{"Retry-After": {"7"}}, []byte(strings.Repeat("x", 5000)))
	secs, ok := apierrors.SuggestsClientDelay(err)
	assert.True(t, ok)
	assert.Equal(t, 7, secs)
	var se *apierrors.StatusError
	require.ErrorAs(t, err, &se)
	require.NotEmpty(t, se.Status().Details.Causes)
	assert.LessOrEqual(t, len(se.Status().Details.Causes[0].Message), maxErrorBody)
}

func TestDoConflictVersusAlreadyExists(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "conflict", http.StatusConflict)
	})
	c := newTestClient(t, srv)
	assert.True(t, apierrors.IsAlreadyExists(c.Post().Body("{}").Do(context.Background()).Error()))
	assert.True(t, apierrors.IsConflict(c.Put().Body("{}").Do(context.Background()).Error()))
}

func TestDoStatusErrorKeepsBody(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, notFoundStatus)
	})
	c := newTestClient(t, srv)
	res := c.Get().AbsPath("/api/v1/pods/x").Do(context.Background())
	assert.True(t, apierrors.IsNotFound(res.Error()))
	assert.Equal(t, 404, res.StatusCode())
	raw, err := res.Raw()
	assert.Error(t, err)
	assert.JSONEq(t, notFoundStatus, string(raw))
	var st metav1.Status
	assert.Error(t, res.Into(&st), "Into returns the request's error")
}

func TestNotModifiedIsNoError(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, "{}")
	})
	c := newTestClient(t, srv)
	res := c.Get().SetHeader("If-None-Match", `"v1"`).Do(context.Background())
	require.NoError(t, res.Error())
	assert.Equal(t, http.StatusNotModified, res.StatusCode())
}

func TestStream(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/unchanged" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, notFoundStatus)
			return
		}
		_, _ = io.WriteString(w, "log line\n")
	})
	c := newTestClient(t, srv)
	rc, err := c.Get().AbsPath("/logs").Stream(context.Background())
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.Equal(t, "log line\n", string(b))

	_, err = c.Get().AbsPath("/missing").Stream(context.Background())
	assert.True(t, apierrors.IsNotFound(err), "%v", err)

	rc, err = c.Get().AbsPath("/unchanged").Stream(context.Background())
	require.NoError(t, err, "304 is no error")
	b, err = io.ReadAll(rc)
	require.NoError(t, err)
	assert.Empty(t, b)
	require.NoError(t, rc.Close())
}
