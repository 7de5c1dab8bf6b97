package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// Read loads a recording written by `kdyn record`: the documents meta.json
// lists.
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
