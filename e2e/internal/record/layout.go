package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Meta is the meta.json of the layout, in the shape fixture.Meta reads.
type Meta struct {
	Name          string             `json:"name"`
	ServerVersion string             `json:"serverVersion,omitempty"`
	Recorded      string             `json:"recorded,omitempty"`
	Source        Source             `json:"source"`
	Docs          map[string]DocMeta `json:"docs"`
}

// Source names where a recording comes from.
type Source struct {
	Repository string `json:"repository,omitempty"`
	Path       string `json:"path,omitempty"`
}

// DocMeta is how one document was sent.
type DocMeta struct {
	ContentType string `json:"contentType"`
	ETag        string `json:"etag,omitempty"`
}

// Write replaces dir with r: every document under its layout name, and
// meta.json naming the recording after dir's base name.
func Write(dir string, r *Recording, source Source, recorded time.Time) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	meta := Meta{
		Name:          filepath.Base(dir),
		ServerVersion: r.ServerVersion,
		Recorded:      recorded.UTC().Format(time.RFC3339),
		Source:        source,
		Docs:          map[string]DocMeta{},
	}
	for name, d := range r.Docs {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, d.Body, 0o644); err != nil {
			return err
		}
		meta.Docs[name] = DocMeta{ContentType: d.ContentType, ETag: d.ETag}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(meta); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "meta.json"), buf.Bytes(), 0o644)
}

// Read loads a recording written by Write (or by `kdyn record`): the
// documents meta.json lists.
func Read(dir string) (*Recording, *Meta, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, nil, err
	}
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, nil, fmt.Errorf("record: %s/meta.json: %w", dir, err)
	}
	r := &Recording{ServerVersion: meta.ServerVersion, Docs: map[string]Doc{}}
	for name, dm := range meta.Docs {
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, nil, err
		}
		r.Docs[name] = Doc{Body: body, ContentType: dm.ContentType, ETag: dm.ETag}
	}
	return r, &meta, nil
}
