package bench

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery/cached/disk"
	cgrestmapper "k8s.io/client-go/restmapper"

	kdiscovery "github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
)

// cacheTTL is the disk cache TTL given to both clients (kdyn's default).
const cacheTTL = 10 * time.Minute

// BenchmarkWarmRestart is a new process starting with the disk cache a
// previous one left: the first RESTMapping of a CRD kind at 200 groups. With
// the cache younger than its TTL ("fresh") no request is needed; older
// ("expired"), the documents are revalidated, which with ETags costs 304s and
// no body. controller-runtime has no disk cache.
func BenchmarkWarmRestart(b *testing.B) {
	groups := groupsFor(200)
	srv := serve(b, groups)
	t := targetOf(groups)
	clients := []struct {
		name string
		new  func(tb testing.TB, dir string) meta.RESTMapper
	}{
		{"kdyn", func(tb testing.TB, dir string) meta.RESTMapper {
			return kdynMapper(tb, srv, kdiscovery.Options{CacheDir: dir, TTL: cacheTTL})
		}},
		{"client-go", func(tb testing.TB, dir string) meta.RESTMapper {
			dc, err := disk.NewCachedDiscoveryClientForConfig(clientGoConfig(srv),
				filepath.Join(dir, "discovery"), filepath.Join(dir, "http"), cacheTTL)
			if err != nil {
				tb.Fatal(err)
			}
			return cgrestmapper.NewDeferredDiscoveryRESTMapper(dc)
		}},
	}
	for _, state := range []string{"fresh", "expired"} {
		for _, c := range clients {
			b.Run(state+"/"+c.name, func(b *testing.B) {
				dir := b.TempDir()
				m, err := c.new(b, dir).RESTMapping(t.gk) // the previous process
				t.check(b, m, err)
				b.ReportAllocs()
				before := srv.Stats()
				b.ResetTimer()
				for range b.N {
					if state == "expired" {
						b.StopTimer()
						age(b, dir, 2*cacheTTL)
						b.StartTimer()
					}
					m, err := c.new(b, dir).RESTMapping(t.gk)
					t.check(b, m, err)
				}
				b.StopTimer()
				reportRequests(b, srv, before)
				report304(b, srv, before)
			})
		}
	}
}

// age makes every file under dir look written d ago.
func age(tb testing.TB, dir string, d time.Duration) {
	tb.Helper()
	then := time.Now().Add(-d)
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(path, then, then)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func report304(b *testing.B, srv *fixture.Server, before fixture.Stats) {
	b.ReportMetric(float64(srv.Stats().NotModified-before.NotModified)/float64(b.N), "304s/op")
}
