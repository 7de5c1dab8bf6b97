package discovery

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// diskCache keeps discovery documents under one directory per API server, in
// the layout kubectl's --cache-dir uses, so either tool can read the other's:
//
//	<dir>/<host>/servergroups.json                    APIGroupList, core group first
//	<dir>/<host>/v1/serverresources.json              APIResourceList of the core group
//	<dir>/<host>/<group>/<version>/serverresources.json
//	<dir>/<host>/aggregated/api.json, apis.json       /api and /apis as last received,
//	                                                  with their Content-Type and ETag
//
// A file's age is its modification time. Files are replaced whole (a temporary
// file in the same directory, then a rename), so a reader, in this process or
// another, sees the old or the new document and never a torn one. Directories
// are created 0700 and files 0600: discovery reveals what a cluster runs.
//
// The cache is best effort: a missing, unreadable or corrupt file is a miss
// and is refetched, and a failed write only costs the next process a request.
// A nil *diskCache is a cache that holds nothing.
//
// Every file operation goes through an os.Root opened on the cache
// directory: a symlink planted below it (at a file or a directory position,
// the host directory included) that leads outside is neither followed for a
// write nor served. The cache directory itself may be a symlink. Only regular
// files of at most maxCacheFile bytes are read, opened without blocking: a
// named pipe or device planted in the cache, or a huge sparse file, is a miss.
type diskCache struct {
	parent string // the cache directory, Options.CacheDir
	host   string // the host's directory name under parent
	dir    string // <parent>/<host>, for tests
}

// maxCacheFile bounds a file the cache reads: the largest discovery document
// the client accepts from a server (rest.Limits.Discovery's default) with
// room for the envelope around it. A larger file is a miss; no real
// cluster's document comes near it.
const maxCacheFile = 256<<20 + 64<<10

func newDiskCache(parent, host string) *diskCache {
	h := sanitizeHost(host)
	return &diskCache{parent: parent, host: h, dir: filepath.Join(parent, h)}
}

// open opens the cache directory as a root, creating it if need be. The
// caller closes it.
func (d *diskCache) open() (*os.Root, error) {
	if err := os.MkdirAll(d.parent, 0o700); err != nil {
		return nil, err
	}
	return os.OpenRoot(d.parent)
}

// sanitizeHost turns a server URL into one directory name, as kubectl does for
// ordinary hosts ("https://10.0.0.1:6443" → "10.0.0.1_6443"), except that "/"
// is replaced as well and a name of dots only is mangled: whatever the URL,
// the result is a single path element, never "." or "..", so the cache cannot
// be steered outside its directory.
func sanitizeHost(host string) string {
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	host = strings.TrimSuffix(host, "/")
	name := []byte(host)
	for i, b := range name {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '-', b == '_':
		default:
			name[i] = '_'
		}
	}
	if strings.Trim(string(name), ".") == "" {
		return strings.Repeat("_", len(name)+1)
	}
	return string(name)
}

// envelope is a root document on disk with what revalidating it needs.
type envelope struct {
	ETag        string          `json:"etag,omitempty"`
	ContentType string          `json:"contentType"`
	Body        json.RawMessage `json:"body"`
}

// rootFile and gvFile name documents relative to the cache directory.
func (d *diskCache) rootFile(i int) string {
	return filepath.Join(d.host, "aggregated", strings.TrimPrefix(rootPaths[i], "/")+".json")
}

func (d *diskCache) gvFile(gv schema.GroupVersion) string {
	return filepath.Join(d.host, filepath.FromSlash(gv.String()), "serverresources.json")
}

// loadRoot reads root document i and how old it is.
func (d *diskCache) loadRoot(i int) (*root, time.Duration, bool) {
	if d == nil {
		return nil, 0, false
	}
	data, age, ok := d.readFile(d.rootFile(i))
	if !ok {
		return nil, 0, false
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, 0, false
	}
	doc, err := parseRoot(rootPaths[i], env.ContentType, env.Body)
	if err != nil {
		return nil, 0, false
	}
	return &root{doc: doc, etag: env.ETag}, age, true
}

func (d *diskCache) saveRoot(i int, resp *response) {
	if d == nil || !json.Valid(resp.body) {
		return
	}
	data, err := json.Marshal(envelope{ETag: resp.etag, ContentType: resp.contentType, Body: resp.body})
	if err == nil {
		d.writeFile(d.rootFile(i), data)
	}
}

// touchRoots records that the root documents were just revalidated.
func (d *diskCache) touchRoots() {
	if d == nil {
		return
	}
	root, err := d.open()
	if err != nil {
		return
	}
	defer root.Close()
	now := time.Now()
	for i := range rootPaths {
		_ = root.Chtimes(d.rootFile(i), now, now)
	}
}

// saveSnapshot writes the kubectl-compatible files of s: the groups, and the
// resources of group-versions that came with an aggregated root document
// (legacy ones are written as they arrive, by saveGV).
func (d *diskCache) saveSnapshot(s *snapshot) {
	if d == nil {
		return
	}
	if data, err := json.Marshal(s.groups); err == nil {
		d.writeFile(filepath.Join(d.host, "servergroups.json"), data)
	}
	for gv, e := range s.gvs {
		if e.err != nil || e.list == nil || !s.aggregated(gv) {
			continue
		}
		if data, err := json.Marshal(e.list); err == nil {
			d.writeFile(d.gvFile(gv), data)
		}
	}
}

// loadGV reads gv's resources and how old they are.
func (d *diskCache) loadGV(gv schema.GroupVersion) (*metav1.APIResourceList, time.Duration, bool) {
	if d == nil {
		return nil, 0, false
	}
	data, age, ok := d.readFile(d.gvFile(gv))
	if !ok {
		return nil, 0, false
	}
	list, err := parseResourceList(data, gv)
	if err != nil {
		return nil, 0, false
	}
	return list, age, true
}

func (d *diskCache) saveGV(gv schema.GroupVersion, body []byte) {
	if d != nil {
		d.writeFile(d.gvFile(gv), body)
	}
}

// readFile reads name, relative to the cache directory, and how old it is.
// The open does not block: an open takes no context, and one of a named
// pipe nobody writes to would wait forever, past Options.Timeout. What is
// opened is then checked to be a regular file of at most maxCacheFile bytes
// before anything is allocated for it.
func (d *diskCache) readFile(name string) ([]byte, time.Duration, bool) {
	root, err := d.open()
	if err != nil {
		return nil, 0, false
	}
	defer root.Close()
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxCacheFile {
		return nil, 0, false
	}
	data := make([]byte, info.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, 0, false
	}
	return data, max(time.Since(info.ModTime()), 0), true
}

// writeFile replaces name, relative to the cache directory, atomically:
// concurrent writers, in this process or others, each rename a complete
// file of their own into place. Rename replaces a symlink at name itself,
// never its target.
func (d *diskCache) writeFile(name string, data []byte) {
	root, err := d.open()
	if err != nil {
		return
	}
	defer root.Close()
	dir := filepath.Dir(name)
	if err := root.MkdirAll(dir, 0o700); err != nil {
		return
	}
	tmp, f, err := createTemp(root, dir)
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil || root.Rename(tmp, name) != nil {
		_ = root.Remove(tmp)
	}
}

// createTemp creates a new file, 0600, in dir under root, as os.CreateTemp
// does in a directory.
func createTemp(root *os.Root, dir string) (string, *os.File, error) {
	for {
		name := filepath.Join(dir, ".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			return name, f, err
		}
	}
}
