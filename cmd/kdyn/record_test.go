package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kdyn/kdyn/fixture"
)

// TestRecordRoundTrip records a fixture server serving a recorded cluster
// and checks that fixture.Load reads back every document, byte for byte,
// with the Content-Type and ETag the server sent.
func TestRecordRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		cluster  string
		optional []string // documents beyond the legacy ones the recording must have
	}{
		{"k3s-v1.25.0", nil},
		{"kubernetes-1.36-dev", []string{fixture.DocAggregatedAPIs}},
		{"k8s-1.37", []string{fixture.DocVersion, fixture.DocAggregatedAPI, fixture.DocAggregatedAPIs, fixture.DocOpenAPIV2}},
	} {
		t.Run(tc.cluster, func(t *testing.T) {
			src := loadRecorded(t, tc.cluster)
			h := newHarness(t, src)
			out := filepath.Join(t.TempDir(), "rec")
			stdout := h.must(t, "record", "--out", out)
			assert.Contains(t, stdout, "apps: [v1]")

			got, err := fixture.Load(out)
			require.NoError(t, err)
			assert.Equal(t, "rec", got.Name())
			written := recordedDocs(t, out)
			require.Contains(t, written, fixture.DocAPIs)
			require.Contains(t, written, "apis/apps/v1.json")
			for _, name := range tc.optional {
				require.Contains(t, written, name)
			}
			for _, name := range written {
				want, ok := src.Doc(name)
				require.True(t, ok, name)
				have, ok := got.Doc(name)
				require.True(t, ok, name)
				assert.Equal(t, string(want.Body), string(have.Body), name)
				assert.Equal(t, want.ContentType, have.ContentType, name)
				assert.Equal(t, want.ETag, have.ETag, name)
			}
			assert.Equal(t, src.Meta().ServerVersion, got.Meta().ServerVersion)
			assert.NotEmpty(t, got.Meta().Recorded)
		})
	}
}

// recordedDocs lists the document files under dir, not the objects.
func recordedDocs(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "meta.json" || filepath.Base(filepath.Dir(p)) == "objects" {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
		return err
	}))
	return names
}

func TestRecordRefusesNonEmptyDir(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	out := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(out, "x"), nil, 0o600))
	r := h.kdyn(t, "record", "--out", out)
	assert.ErrorContains(t, r.err, "not empty")
	r = h.kdyn(t, "record")
	assert.ErrorIs(t, r.err, errUsage)
}

// TestRecordGroupDown records a cluster whose apps group answers 503: the
// rest is recorded, the command fails naming what is missing, and the
// recording still loads.
func TestRecordGroupDown(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"), fixture.WithGroupError("apps", 503))
	out := filepath.Join(t.TempDir(), "rec")
	r := h.kdyn(t, "record", "--out", out)
	require.ErrorContains(t, r.err, "1 document could not be fetched, so the recording lacks [apis/apps/v1.json]")
	assert.Contains(t, r.stdout, "/apis/apps/v1: ")
	assert.NotContains(t, recordedDocs(t, out), "apis/apps/v1.json")
	assert.Contains(t, recordedDocs(t, out), "apis/batch/v1.json")
	_, err := fixture.Load(out)
	assert.NoError(t, err)
}
