package rest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/watch"
)

// FuzzLoadKubeconfig feeds arbitrary files to the loader: it may reject
// them, never panic, and an error must name the file.
func FuzzLoadKubeconfig(f *testing.F) {
	f.Add([]byte(kubeconfigA), "")
	f.Add([]byte(kubeconfigB), "prod")
	f.Add([]byte(userConfig("exec: {command: x, apiVersion: client.authentication.k8s.io/v1}")), "x")
	f.Add([]byte("clusters: [{name: c, cluster: {server: 'https://x', certificate-authority-data: '@@'}}]"), "")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, context string) {
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadKubeconfig(path, context)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("rest: kubeconfig")) {
				t.Errorf("error without the kubeconfig prefix: %v", err)
			}
			return
		}
		if cfg.Host == "" {
			t.Errorf("loaded a Config without a host")
		}
	})
}

// FuzzJSONEventDecoder decodes arbitrary streams: every call ends in an
// event or an error, never a panic, and the stream is consumed in a bounded
// number of calls.
func FuzzJSONEventDecoder(f *testing.F) {
	for _, seed := range []string{evAdded, evAdded + "\n" + evExpired, evBookmark + evDeleted, `{"type":"ERROR","object":7}`, `{"type":"ADDED","object":{"kind":`, `[]`, ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewJSONEventDecoder(io.NopCloser(bytes.NewReader(data)), nil)
		defer d.Close()
		for range len(data) + 1 {
			typ, obj, err := d.Decode()
			if err != nil {
				return
			}
			if obj == nil {
				t.Fatalf("%s event without an object", typ)
			}
			if typ == watch.Error && obj.GetObjectKind() == nil {
				t.Fatalf("error event without a kind")
			}
		}
		t.Fatalf("decoder did not finish %d bytes in %d calls", len(data), len(data)+1)
	})
}
