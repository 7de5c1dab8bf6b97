package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kdyn/kdyn/fixture"
)

// Read loads a recording written by `kdyn record`: the documents its
// meta.json (fixture.Meta, the layout's own type) lists.
func Read(dir string) (*Recording, *fixture.Meta, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, nil, err
	}
	var meta fixture.Meta
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
