package discovery

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
)

// The disk cache is a directory other local users or processes may be able
// to plant things in (a shared home, a CI cache restored from elsewhere).
// These tests plant symlinks and torn files and check that the cache never
// writes through a link that leads outside its directory, never serves a
// document from outside it, and never serves a torn document.

// cacheModes are the two discovery views, whose documents the cache keeps in
// different files.
var cacheModes = []struct {
	name       string
	serverOpts []fixture.Option
}{
	{"aggregated", nil},
	{"legacy", []fixture.Option{fixture.WithoutAggregated()}},
}

// warmCache fills a cache directory from a fresh server and returns what
// discovery answers, the server and the cache's host directory.
func warmCache(t *testing.T, opts Options, serverOpts []fixture.Option) ([]*metav1.APIResourceList, *fixture.Server, string) {
	t.Helper()
	c, srv := newTestServer(t, fixture.Synthetic(3, 1), opts, serverOpts...)
	_, want, err := c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	return want, srv, filepath.Join(opts.CacheDir, sanitizeHost(srv.Config().Host))
}

// cacheFiles lists the documents under host, relative to it.
func cacheFiles(t *testing.T, host string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(host, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return err
		}
		rel, err := filepath.Rel(host, path)
		files = append(files, rel)
		return err
	}))
	require.NotEmpty(t, files)
	return files
}

// plant replaces path (a file or a directory) with a symlink to target.
func plant(t *testing.T, path, target string) {
	t.Helper()
	require.NoError(t, os.RemoveAll(path))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.Symlink(target, path))
}

// snapshotTree returns every file under dir with its content.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	}))
	return out
}

// TestDiskCacheSymlinkedFilesAttack replaces each cached document by a
// symlink to a copy outside the cache directory in which every resource is
// renamed: a process starting on that cache must not serve the planted copy,
// nor write into it.
func TestDiskCacheSymlinkedFilesAttack(t *testing.T) {
	for _, mode := range cacheModes {
		t.Run(mode.name, func(t *testing.T) {
			opts := Options{CacheDir: t.TempDir(), TTL: time.Hour}
			want, srv, host := warmCache(t, opts, mode.serverOpts)
			outside := t.TempDir()
			for i, rel := range cacheFiles(t, host) {
				path := filepath.Join(host, rel)
				body, err := os.ReadFile(path)
				require.NoError(t, err)
				decoy := filepath.Join(outside, "decoy-"+string(rune('a'+i)))
				planted := strings.ReplaceAll(string(body), `"name":"widget000s"`, `"name":"planted"`)
				require.NoError(t, os.WriteFile(decoy, []byte(planted), 0o600))
				plant(t, path, decoy)
			}
			before := snapshotTree(t, outside)

			assertPlantedIgnored(t, newClient(t, srv, opts), want, outside, before)
		})
	}
}

// TestDiskCacheSymlinkedDirsAttack plants a symlink to a directory outside
// the cache at each directory position: the host directory, a group's
// directory, a version's directory and the root documents' directory. The
// cache must not write into the outside directory, nor serve what it holds.
func TestDiskCacheSymlinkedDirsAttack(t *testing.T) {
	for _, mode := range cacheModes {
		for _, rel := range []string{".", "group000.example.com", "group001.example.com/v1", "v1", "aggregated"} {
			t.Run(mode.name+"/"+rel, func(t *testing.T) {
				opts := Options{CacheDir: t.TempDir(), TTL: time.Hour}
				want, srv, host := warmCache(t, opts, mode.serverOpts)
				outside := t.TempDir()
				// The outside directory holds a copy of what it replaces, with
				// a planted resource, so that serving it would show.
				src := filepath.Join(host, filepath.FromSlash(rel))
				require.NoError(t, os.CopyFS(filepath.Join(outside, "d"), os.DirFS(src)))
				poison(t, filepath.Join(outside, "d"))
				plant(t, src, filepath.Join(outside, "d"))
				before := snapshotTree(t, outside)

				assertPlantedIgnored(t, newClient(t, srv, opts), want, outside, before)
			})
		}
	}
}

// assertPlantedIgnored checks that c, starting on a cache with symlinks
// planted in it, serves the server's documents (want), not the planted ones,
// and after a refetch has written nothing into outside (before is its tree
// when planted).
func assertPlantedIgnored(t *testing.T, c *Client, want []*metav1.APIResourceList, outside string, before map[string]string) {
	t.Helper()
	_, got, err := c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want, got, "documents planted outside the cache are not served")
	c.Invalidate()
	_, _, err = c.GroupsAndResources(context.Background())
	require.NoError(t, err)
	assert.Equal(t, before, snapshotTree(t, outside), "nothing is written through a planted symlink")
}

// poison renames a resource in every document under dir.
func poison(t *testing.T, dir string) {
	for path, body := range snapshotTree(t, dir) {
		planted := strings.ReplaceAll(body, `"name":"widget000s"`, `"name":"planted"`)
		planted = strings.ReplaceAll(planted, `"name":"configmaps"`, `"name":"planted"`)
		planted = strings.ReplaceAll(planted, `\"name\":\"widget000s\"`, `\"name\":\"planted\"`)
		require.NoError(t, os.WriteFile(path, []byte(planted), 0o600))
	}
}

// TestDiskCacheTornFilesAttack cuts every cached document at several
// lengths: a process starting on the cache must refetch it, never serve a
// torn document.
func TestDiskCacheTornFilesAttack(t *testing.T) {
	for _, mode := range cacheModes {
		t.Run(mode.name, func(t *testing.T) {
			opts := Options{CacheDir: t.TempDir(), TTL: time.Hour}
			want, srv, host := warmCache(t, opts, mode.serverOpts)
			files := cacheFiles(t, host)
			whole := map[string][]byte{}
			for _, rel := range files {
				b, err := os.ReadFile(filepath.Join(host, rel))
				require.NoError(t, err)
				whole[rel] = b
			}
			for _, rel := range files {
				for _, cut := range []float64{0, 0.25, 0.5, 0.99} {
					for other, b := range whole {
						require.NoError(t, os.WriteFile(filepath.Join(host, other), b, 0o600))
					}
					b := whole[rel]
					require.NoError(t, os.WriteFile(filepath.Join(host, rel), b[:int(cut*float64(len(b)))], 0o600))
					c := newClient(t, srv, opts)
					_, got, err := c.GroupsAndResources(context.Background())
					require.NoError(t, err, "%s cut at %v", rel, cut)
					assert.Equal(t, want, got, "%s cut at %v", rel, cut)
				}
			}
		})
	}
}

// TestDiskCacheCraftedHostAttack gives the client server URLs crafted to
// steer the cache out of its directory: everything it writes stays below.
func TestDiskCacheCraftedHostAttack(t *testing.T) {
	srv := fixture.NewServer(fixture.Synthetic(1, 1))
	t.Cleanup(srv.Close)
	for _, suffix := range []string{"/../../escape", "/..", "/%2e%2e/%2e%2e/escape", "/./../x"} {
		t.Run(suffix, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "cache")
			cfg := srv.Config()
			cfg.Host += suffix
			c, err := NewForConfig(cfg, Options{CacheDir: dir})
			require.NoError(t, err)
			t.Cleanup(c.rc.CloseIdleConnections)
			_, _, _ = c.GroupsAndResources(context.Background()) // the prefix may not be served
			c.disk.saveGV(metav1.SchemeGroupVersion, []byte(`{"kind":"APIResourceList","groupVersion":"meta.k8s.io/v1"}`))
			entries, err := os.ReadDir(base)
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing beside the cache directory")
			assert.Equal(t, "cache", entries[0].Name())
			hosts, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, hosts, 1, "one host directory")
		})
	}
}

// TestDiskCacheHostileGroupNamesAttack serves discovery documents whose
// group and version names are paths: the hostile entries are skipped and
// reported, the valid group is served, no hostile path is requested, and
// nothing is written outside the cache directory.
func TestDiskCacheHostileGroupNamesAttack(t *testing.T) {
	docs := map[string]string{
		"/api":    `{"kind":"APIVersions","versions":["v1"]}`,
		"/api/v1": `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get"]}]}`,
		"/apis": `{"kind":"APIGroupList","apiVersion":"v1","groups":[` +
			`{"name":"../../escape","versions":[{"groupVersion":"../../escape/v1","version":"v1"}],"preferredVersion":{"groupVersion":"../../escape/v1","version":"v1"}},` +
			`{"name":"..","versions":[{"groupVersion":"../v1","version":"v1"}]},` +
			`{"name":"ok.example","versions":[{"groupVersion":"ok.example/../../x","version":"../../x"},{"groupVersion":"ok.example/v1","version":"v1"}]}]}`,
		"/apis/ok.example/v1": `{"kind":"APIResourceList","groupVersion":"ok.example/v1","resources":[{"name":"things","namespaced":true,"kind":"Thing","verbs":["get"]}]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := docs[r.URL.Path]
		if !ok {
			// Hostile names are requested only if the client trusted them.
			t.Errorf("request for %s", r.URL.Path)
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	base := t.TempDir()
	c, err := NewForConfig(&rest.Config{Host: srv.URL}, Options{CacheDir: filepath.Join(base, "cache")})
	require.NoError(t, err)
	t.Cleanup(c.rc.CloseIdleConnections)
	_, _, err = c.GroupsAndResources(context.Background())
	assert.ErrorContains(t, err, "invalid group")
	_, err = c.Resources(context.Background(), schema.GroupVersion{Group: "..", Version: "v1"})
	assert.Error(t, err)
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing beside the cache directory")
	for path := range snapshotTree(t, base) {
		assert.NotContains(t, path, "escape")
	}
}

// TestDiskCacheSymlinkRaceAttack swaps a group's directory with a symlink
// to an outside directory and back, as fast as it can, while clients keep
// refreshing the cache: no write ever lands outside.
func TestDiskCacheSymlinkRaceAttack(t *testing.T) {
	opts := Options{CacheDir: t.TempDir(), TTL: time.Hour}
	_, srv, host := warmCache(t, opts, []fixture.Option{fixture.WithoutAggregated()})
	outside := t.TempDir()
	target := filepath.Join(host, "group000.example.com")
	stop := make(chan struct{})
	var attacker sync.WaitGroup
	attacker.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = os.RemoveAll(target)
			_ = os.Symlink(outside, target)
			_ = os.Remove(target)
			_ = os.MkdirAll(target, 0o700)
		}
	})
	var clients sync.WaitGroup
	for range 4 {
		clients.Go(func() {
			c := newClient(t, srv, opts)
			for range 20 {
				c.Invalidate()
				_, _, err := c.GroupsAndResources(context.Background())
				assert.NoError(t, err)
			}
		})
	}
	clients.Wait()
	close(stop)
	attacker.Wait()
	assert.Empty(t, snapshotTree(t, outside), "a write landed outside the cache")
}

// TestDiskCacheSpecialFilesAttack replaces every cached document by a named
// pipe nobody writes to, or by a sparse file of 64 GiB (no disk, but a
// reader that trusts its size allocates it all): a process starting on that
// cache must treat each as a miss and refetch, neither blocking in an open
// (which no context or Timeout interrupts) nor allocating what the size says.
func TestDiskCacheSpecialFilesAttack(t *testing.T) {
	plants := map[string]func(t *testing.T, path string){
		"named pipe": func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
			require.NoError(t, syscall.Mkfifo(path, 0o600))
		},
		"sparse 64 GiB": func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, 64<<30))
		},
	}
	for _, mode := range cacheModes {
		for name, plant := range plants {
			t.Run(mode.name+"/"+name, func(t *testing.T) {
				opts := Options{CacheDir: t.TempDir(), TTL: time.Hour, Timeout: 5 * time.Second}
				want, srv, host := warmCache(t, opts, mode.serverOpts)
				var paths []string
				for _, rel := range cacheFiles(t, host) {
					paths = append(paths, filepath.Join(host, rel))
					plant(t, paths[len(paths)-1])
				}
				c := newClient(t, srv, opts)
				got, err := withinOrRelease(t, paths, func() ([]*metav1.APIResourceList, error) {
					_, got, err := c.GroupsAndResources(context.Background())
					return got, err
				})
				require.NoError(t, err)
				assert.Equal(t, want, got, "every planted file is a miss, refetched")
			})
		}
	}
}

// withinOrRelease runs f and fails the test if it has not returned within
// 15 s (three times the client's Timeout); it then opens and closes the
// named pipes among paths for writing until f returns, which releases a
// reader blocked opening one, so that no goroutine is left behind.
func withinOrRelease[T any](t *testing.T, paths []string, f func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(15 * time.Second):
		t.Errorf("still blocked after 15 s")
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r.v, r.err
		case <-tick.C:
			for _, p := range paths {
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					_ = w.Close()
				}
			}
		}
	}
}
