package rest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedirects checks which redirects Do follows: within the origin and
// keeping the method, whatever the status; never to another origin, for any
// method; never when it would turn a write into a GET.
func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	var otherGot []string // method and body of each request the other host got
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		otherGot = append(otherGot, r.Method+" "+string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	var target string // where /redirect/<code> sends the request
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if code, ok := strings.CutPrefix(r.URL.Path, "/redirect/"); ok {
			w.Header().Set("Location", target)
			w.WriteHeader(map[string]int{"301": 301, "302": 302, "303": 303, "307": 307, "308": 308}[code])
			return
		}
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write([]byte(r.Method + " " + string(b)))
	})
	c := newTestClient(t, srv)
	tests := []struct {
		method, code, target string
		followed             bool
	}{
		{http.MethodGet, "302", "/end", true},
		{http.MethodGet, "301", "/end", true},
		{http.MethodPost, "307", "/end", true},
		{http.MethodPut, "308", "/end", true},
		{http.MethodPost, "302", "/end", false}, // would become a GET
		{http.MethodPost, "303", "/end", false},
		{http.MethodGet, "302", other.URL + "/x", false},
		{http.MethodPost, "307", other.URL + "/x", false},
		{http.MethodPut, "308", other.URL + "/x", false},
		{http.MethodPatch, "307", other.URL + "/x", false},
		{http.MethodDelete, "307", other.URL + "/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.code+" "+tt.target, func(t *testing.T) {
			target = tt.target
			req := c.Verb(tt.method).AbsPath("/redirect", tt.code)
			body := ""
			if tt.method != http.MethodGet {
				body = `{"secret":"s"}`
				req.Body(body)
			}
			res := req.Do(context.Background())
			if tt.followed {
				require.NoError(t, res.Error())
				raw, _ := res.Raw()
				assert.Equal(t, tt.method+" "+body, string(raw), "method and body kept")
				return
			}
			var re *RedirectError
			require.ErrorAs(t, res.Error(), &re)
			assert.Equal(t, tt.method, re.Method)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, otherGot, "no request reached the other host")
}

func TestRedirectLoopStops(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	})
	err := newTestClient(t, srv).Get().AbsPath("/a").Do(context.Background()).Error()
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "too many redirects")
}
