package discovery

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

func TestDiskCacheWarmStart(t *testing.T) {
	tests := []struct {
		name       string
		serverOpts []fixture.Option
		// warm is the number of requests of a process starting within the
		// TTL of the files, aged once they are older than it.
		warm, aged func(gvs int) int
	}{
		{"aggregated", nil, func(int) int { return 2 }, func(int) int { return 2 }},
		{"legacy", []fixture.Option{fixture.WithoutAggregated()}, func(int) int { return 2 }, func(gvs int) int { return 2 + gvs }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			opts := Options{CacheDir: t.TempDir(), TTL: time.Hour}
			first, srv := newTestServer(t, fixture.Synthetic(10, 2), opts, tt.serverOpts...)
			groups, lists, err := first.GroupsAndResources(ctx)
			require.NoError(t, err)
			gvs := countGVs(groups)

			srv.ResetStats()
			second := newClient(t, srv, opts)
			groups2, lists2, err := second.GroupsAndResources(ctx)
			require.NoError(t, err)
			st := srv.Stats()
			assert.Equal(t, tt.warm(gvs), st.Requests, "a process starting on the disk cache revalidates the roots")
			assert.Equal(t, 2, st.NotModified, "both root documents answer 304")
			assert.Zero(t, st.BodyBytes, "a 304 carries no body")
			assert.Equal(t, groups, groups2)
			assert.Equal(t, lists, lists2)

			age(t, opts.CacheDir, 2*opts.TTL)
			srv.ResetStats()
			third := newClient(t, srv, opts)
			_, lists3, err := third.GroupsAndResources(ctx)
			require.NoError(t, err)
			st = srv.Stats()
			assert.Equal(t, tt.aged(gvs), st.Requests)
			assert.Equal(t, 2, st.Paths["/api"]+st.Paths["/apis"])
			assert.GreaterOrEqual(t, st.NotModified, 2, "the root documents are revalidated with their ETags")
			assert.Equal(t, lists, lists3)

			srv.ResetStats()
			fourth := newClient(t, srv, opts)
			_, _, err = fourth.GroupsAndResources(ctx)
			require.NoError(t, err)
			st = srv.Stats()
			assert.Equal(t, 2, st.Requests, "a 304 renews the disk cache: only the roots are asked again")
			assert.Equal(t, 2, st.NotModified)
		})
	}
}

func TestDiskCacheLayout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, srv := newTestServer(t, fixture.Synthetic(2, 1), Options{CacheDir: dir})
	_, _, err := c.GroupsAndResources(ctx)
	require.NoError(t, err)

	host := filepath.Join(dir, sanitizeHost(srv.Config().Host))
	assert.NotContains(t, filepath.Base(host), ":")
	var groups metav1.APIGroupList
	readJSON(t, filepath.Join(host, "servergroups.json"), &groups)
	require.NotEmpty(t, groups.Groups)
	assert.Equal(t, "", groups.Groups[0].Name, "core group first, as kubectl writes it")
	var core metav1.APIResourceList
	readJSON(t, filepath.Join(host, "v1", "serverresources.json"), &core)
	assert.Equal(t, "v1", core.GroupVersion)
	var named metav1.APIResourceList
	readJSON(t, filepath.Join(host, "group000.example.com", "v1", "serverresources.json"), &named)
	assert.Equal(t, "group000.example.com/v1", named.GroupVersion)

	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		if path == dir {
			return nil
		}
		if d.IsDir() {
			assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm(), path)
		} else {
			assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), path)
		}
		return nil
	}))
}

func TestDiskCacheIgnoresCorruptFiles(t *testing.T) {
	tests := []struct {
		name       string
		serverOpts []fixture.Option
		file       string
	}{
		{"truncated aggregated root", nil, "aggregated/apis.json"},
		{"garbage aggregated root", nil, "aggregated/api.json"},
		{"truncated legacy group-version", []fixture.Option{fixture.WithoutAggregated()}, "group001.example.com/v1/serverresources.json"},
		{"directory in place of a file", []fixture.Option{fixture.WithoutAggregated()}, "group000.example.com/v1/serverresources.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			opts := Options{CacheDir: t.TempDir()}
			first, srv := newTestServer(t, fixture.Synthetic(3, 1), opts, tt.serverOpts...)
			_, want, err := first.GroupsAndResources(ctx)
			require.NoError(t, err)

			path := filepath.Join(opts.CacheDir, sanitizeHost(srv.Config().Host), filepath.FromSlash(tt.file))
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			switch {
			case strings.HasPrefix(tt.name, "truncated"):
				require.NoError(t, os.WriteFile(path, body[:len(body)/2], 0o600))
			case strings.HasPrefix(tt.name, "garbage"):
				require.NoError(t, os.WriteFile(path, []byte("\x00\xffnot json"), 0o600))
			default:
				require.NoError(t, os.Remove(path))
				require.NoError(t, os.Mkdir(path, 0o700))
			}

			srv.ResetStats()
			second := newClient(t, srv, opts)
			_, got, err := second.GroupsAndResources(ctx)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.NotZero(t, srv.Stats().Requests, "the corrupt document is refetched")
		})
	}
}

func TestDiskCacheHostCannotEscape(t *testing.T) {
	for _, host := range []string{"../../x", "https://../../x", "..", ".", "", "https://a/../../b", `..\..\x`, "/abs/path", "h:6443/../.."} {
		t.Run(host, func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), "cache")
			d := newDiskCache(parent, host)
			rel, err := filepath.Rel(parent, d.dir)
			require.NoError(t, err)
			assert.False(t, rel == ".." || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)), rel)
			assert.Equal(t, filepath.Base(d.dir), rel, "one path element below the cache directory")
			d.saveGV(schema.GroupVersion{Group: "apps", Version: "v1"}, []byte(`{}`))
			_, err = os.Stat(filepath.Join(d.dir, "apps", "v1", "serverresources.json"))
			assert.NoError(t, err)
		})
	}
	assert.Equal(t, "127.0.0.1_6443", sanitizeHost("https://127.0.0.1:6443"), "kubectl's name for ordinary hosts")
}

func TestDiskCacheConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := fixture.NewServer(fixture.Synthetic(5, 2), fixture.WithoutAggregated())
	t.Cleanup(srv.Close)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), writerProcessEnv+"="+dir+"|"+srv.Config().Host)
	child.Stderr = os.Stderr
	require.NoError(t, child.Start())

	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				checkCacheFiles(t, dir)
			}
		}
	})
	var writers sync.WaitGroup
	for range 8 {
		writers.Go(func() {
			c := newClient(t, srv, Options{CacheDir: dir})
			for range 10 {
				c.Invalidate()
				_, _, err := c.GroupsAndResources(ctx)
				assert.NoError(t, err)
			}
		})
	}
	writers.Wait()
	assert.NoError(t, child.Wait(), "the second process")
	close(stop)
	readers.Wait()
	checkCacheFiles(t, dir)
}

// writerProcessEnv, when set to "<cache dir>|<server URL>", makes the test
// binary a second process that writes the same disk cache as the test.
const writerProcessEnv = "KDYN_DISCOVERY_TEST_WRITER"

func runWriterProcess() int {
	dir, host, _ := strings.Cut(os.Getenv(writerProcessEnv), "|")
	rc, err := rest.NewClient(&rest.Config{Host: host})
	if err != nil {
		return 2
	}
	for range 20 {
		c := New(rc, Options{CacheDir: dir})
		c.Invalidate()
		if _, _, err := c.GroupsAndResources(context.Background()); err != nil {
			return 1
		}
	}
	return 0
}

// checkCacheFiles asserts that every document in dir is whole JSON.
func checkCacheFiles(t *testing.T, dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil // a temporary file is being written, or was renamed away
		}
		body, err := os.ReadFile(path)
		if err == nil {
			assert.True(t, json.Valid(body), "torn file %s: %q", path, body)
		}
		return nil
	})
}

func newClient(t *testing.T, srv *fixture.Server, opts Options) *Client {
	t.Helper()
	c, err := NewForConfig(srv.Config(), opts)
	require.NoError(t, err)
	t.Cleanup(c.rc.CloseIdleConnections)
	return c
}

// age sets every file under dir back by d.
func age(t *testing.T, dir string, d time.Duration) {
	then := time.Now().Add(-d)
	require.NoError(t, filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		return os.Chtimes(path, then, then)
	}))
}

// TestReadsKubectlDiskCache starts a Client on the disk cache kubectl wrote
// for a recorded cluster: the group-version documents come from kubectl's
// files, and only the root documents are asked for.
func TestReadsKubectlDiskCache(t *testing.T) {
	cluster := loadCluster(t, "k3s-v1.21")
	plain, srv := newTestServer(t, cluster, Options{}, fixture.WithoutAggregated())
	want, wantLists := groupsAndResources(t, plain)

	dir := t.TempDir()
	host := filepath.Join(dir, sanitizeHost(srv.Config().Host))
	require.NoError(t, os.CopyFS(host, os.DirFS("testdata/kubectl-cache/k3s-v1.21")))
	age(t, dir, 0)
	srv.ResetStats()
	c := newClient(t, srv, Options{CacheDir: dir})
	got, gotLists := groupsAndResources(t, c)
	assert.Equal(t, want, got)
	assert.Equal(t, wantLists, gotLists)
	assert.Equal(t, map[string]int{"/api": 1, "/apis": 1}, srv.Stats().Paths)
}
