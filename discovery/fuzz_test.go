package discovery

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The seed corpora live in testdata/fuzz/<target>/: real documents from the
// recorded clusters and hand-made edge cases (stale entries, missing kinds,
// names that would escape the disk cache).

func FuzzAggregated(f *testing.F) {
	f.Add([]byte(`{"items":[{"metadata":{"name":"x.io"},"versions":[{"version":"v1","freshness":"Stale"}]}]}`), false)
	f.Add([]byte(`{"items":[{"metadata":{"name":"x.io"},"versions":[{"version":"v1"},{"version":"v1"},{"version":"../x"}]},`+
		`{"metadata":{"name":""},"versions":[{"version":"v1"}]},{"metadata":{"name":"x.io"},"versions":[{"version":"v1"}]}]}`), false)
	f.Fuzz(func(t *testing.T, body []byte, beta bool) {
		fm := formatV2
		if beta {
			fm = formatV2Beta1
		}
		for i, path := range rootPaths {
			doc, err := parseAggregated(path, body, fm)
			if err != nil {
				return
			}
			checkAggregated(t, doc)
			var roots [2]*root
			roots[i] = &root{doc: doc}
			s := emptySnapshot.withRoots(roots, 1)
			for gv := range s.listed {
				if e := s.gvs[gv]; e == nil || e.list == nil {
					t.Fatalf("%s listed without data", gv)
				}
			}
		}
	})
}

// checkAggregated fails t unless every group-version doc lists is valid and
// has resources, and doc has no resources of group-versions it does not list.
func checkAggregated(t *testing.T, doc *rootDoc) {
	listed := 0
	for _, g := range doc.groups {
		for _, v := range g.Versions {
			gv := schema.GroupVersion{Group: g.Name, Version: v.Version}
			if err := validateGroupVersion(gv); err != nil {
				t.Fatalf("parsed an invalid group-version: %v", err)
			}
			if doc.resources[gv] == nil {
				t.Fatalf("%s listed without resources", gv)
			}
			listed++
		}
	}
	if listed != len(doc.resources) {
		t.Fatalf("%d group-versions listed, %d with resources", listed, len(doc.resources))
	}
}

func FuzzLegacy(f *testing.F) {
	f.Add([]byte(`{"versions":["v1"]}`), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, kind uint8) {
		switch kind % 3 {
		case 0:
			doc, err := parseAPIVersions(body)
			if err == nil {
				checkLegacyGroups(t, doc)
			}
		case 1:
			doc, err := parseAPIGroupList(body)
			if err == nil {
				checkLegacyGroups(t, doc)
			}
		default:
			gv := schema.GroupVersion{Group: "apps", Version: "v1"}
			list, err := parseResourceList(body, gv)
			if err == nil && list.GroupVersion != gv.String() {
				t.Fatalf("list of %q accepted for %s", list.GroupVersion, gv)
			}
		}
	})
}

func checkLegacyGroups(t *testing.T, doc *rootDoc) {
	if doc.aggregated() {
		t.Fatal("a legacy document parsed as aggregated")
	}
	for _, g := range doc.groups {
		for _, v := range g.Versions {
			if err := validateGroupVersion(schema.GroupVersion{Group: g.Name, Version: v.Version}); err != nil {
				t.Fatalf("parsed an invalid group-version: %v", err)
			}
		}
	}
	emptySnapshot.withRoots([2]*root{rootAPIs: {doc: doc}}, 1)
}
