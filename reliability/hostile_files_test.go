package reliability

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
)

// Files kdyn reads but does not control: a recording handed to
// fixture.Load or `kdyn serve`, and the discovery disk cache, which other
// local users or processes may be able to write under. Whatever they plant
// there (a link out, a named pipe nobody writes to, a device, a file whose
// size is huge), the read must end at once, allocate little, read nothing
// outside its directory, and end in a typed error or, for the cache, a miss
// that is refetched.

// allocLimit bounds what one hostile file may cost: far less than any of
// the planted files claims to hold.
const allocLimit = 32 << 20

// boundedRun runs f and returns the bytes allocated meanwhile. f must end
// within 15 s; if it does not, the test fails and the named pipes among
// fifos are opened for writing until it does, which releases a reader
// blocked opening one, so that no goroutine is left behind.
func boundedRun(t *testing.T, fifos []string, f func()) uint64 {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Errorf("still blocked after 15 s")
		for blocked := true; blocked; {
			for _, p := range fifos {
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					_ = w.Close()
				}
			}
			select {
			case <-done:
				blocked = false
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// planted is one hostile file: how to plant it at a path.
type planted struct {
	name  string
	plant func(t *testing.T, path string)
	fifo  bool
}

func hostilePlants(outside string) []planted {
	return []planted{
		{name: "link out", plant: func(t *testing.T, p string) {
			require.NoError(t, os.Symlink(filepath.Join(outside, "secret.json"), p))
		}},
		{name: "link to /dev/zero", plant: func(t *testing.T, p string) {
			require.NoError(t, os.Symlink("/dev/zero", p))
		}},
		{name: "named pipe", fifo: true, plant: func(t *testing.T, p string) {
			require.NoError(t, syscall.Mkfifo(p, 0o600))
		}},
		{name: "sparse 64 GiB", plant: func(t *testing.T, p string) {
			f, err := os.Create(p)
			require.NoError(t, err)
			require.NoError(t, f.Truncate(64<<30))
			require.NoError(t, f.Close())
		}},
	}
}

// TestHostileRecording plants each hostile file at a document of a copy of
// a recorded cluster, and at a name outside the layout: fixture.Load fails
// at once with a *fixture.LoadError naming it, having allocated little and
// read nothing from outside the recording.
func TestHostileRecording(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.json"), []byte(`{"secret":"outside"}`), 0o600))
	for _, p := range hostilePlants(outside) {
		for _, file := range []string{fixture.DocOpenAPIV2, "stray.bin"} {
			t.Run(p.name+"/"+file, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "rec")
				require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", "clusters", "k3s-v1.25.0"))))
				path := filepath.Join(dir, filepath.FromSlash(file))
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				p.plant(t, path)
				var fifos []string
				if p.fifo {
					fifos = []string{path}
				}
				var err error
				alloc := boundedRun(t, fifos, func() { _, err = fixture.Load(dir) })
				var le *fixture.LoadError
				require.ErrorAs(t, err, &le)
				assert.Equal(t, file, le.File, err.Error())
				assert.Less(t, alloc, uint64(allocLimit), "bytes allocated by Load")
			})
		}
	}
}

// TestHostileDiskCache plants each hostile file in place of every document
// of a warm discovery disk cache: a client starting on it treats each as a
// miss and refetches the server's documents, within its Timeout, having
// allocated little.
func TestHostileDiskCache(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.json"), []byte(`{"kind":"APIGroupList","groups":[]}`), 0o600))
	srv := fixture.NewServer(fixture.Synthetic(3, 1), fixture.WithoutAggregated())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, p := range hostilePlants(outside) {
		t.Run(p.name, func(t *testing.T) {
			opts := discovery.Options{CacheDir: t.TempDir(), TTL: time.Hour, Timeout: 5 * time.Second}
			warm, err := discovery.NewForConfig(srv.Config(), opts)
			require.NoError(t, err)
			_, want, err := warm.GroupsAndResources(ctx)
			require.NoError(t, err)

			var files []string
			require.NoError(t, filepath.WalkDir(opts.CacheDir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, path)
				}
				return err
			}))
			require.NotEmpty(t, files)
			for _, f := range files {
				require.NoError(t, os.Remove(f))
				p.plant(t, f)
			}
			var fifos []string
			if p.fifo {
				fifos = files
			}
			c, err := discovery.NewForConfig(srv.Config(), opts)
			require.NoError(t, err)
			var got []*metav1.APIResourceList
			alloc := boundedRun(t, fifos, func() { _, got, err = c.GroupsAndResources(ctx) })
			require.NoError(t, err)
			assert.Equal(t, want, got, "the server's documents, refetched")
			assert.Less(t, alloc, uint64(allocLimit), "bytes allocated by discovery")
		})
	}
}
