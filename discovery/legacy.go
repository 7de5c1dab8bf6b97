package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Legacy (unaggregated) discovery: /api answers APIVersions, /apis answers
// APIGroupList, and every group-version's resources need one more request.

// parseRoot decodes the answer to GET path ("/api" or "/apis") in whichever
// format its Content-Type names, and refuses a document with an invalid
// entry: the disk cache reads its files with it, and never writes a document
// that has one (see parseServedRoot).
func parseRoot(path, contentType string, body []byte) (*rootDoc, error) {
	return strict(parseServedRoot(path, contentType, body))
}

// parseServedRoot is parseRoot for a document the server just sent: entries
// whose names no API server can serve are left out and returned, so that one
// broken entry does not hide the valid groups.
func parseServedRoot(path, contentType string, body []byte) (*rootDoc, []*InvalidEntryError, error) {
	if f := formatOf(contentType); f != formatLegacy {
		doc, err := parseAggregated(path, body, f)
		if err != nil {
			return nil, nil, err
		}
		return doc, doc.invalid, nil
	}
	if path == "/api" {
		return decodeAPIVersions(body)
	}
	return decodeAPIGroupList(body)
}

// strict turns a document with invalid entries into the first one's error.
func strict(doc *rootDoc, invalid []*InvalidEntryError, err error) (*rootDoc, error) {
	if err == nil && len(invalid) > 0 {
		return nil, invalid[0].Err
	}
	return doc, err
}

// parseAPIVersions is decodeAPIVersions refusing invalid entries.
func parseAPIVersions(body []byte) (*rootDoc, error) { return strict(decodeAPIVersions(body)) }

// parseAPIGroupList is decodeAPIGroupList refusing invalid entries.
func parseAPIGroupList(body []byte) (*rootDoc, error) { return strict(decodeAPIGroupList(body)) }

// decodeAPIVersions decodes the legacy /api document into the core group ""
// with the listed versions, the first preferred; invalid versions are left
// out and returned. A server without a core group (an aggregated API server,
// say) yields no group at all.
func decodeAPIVersions(body []byte) (*rootDoc, []*InvalidEntryError, error) {
	var in metav1.APIVersions
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, nil, fmt.Errorf("decode APIVersions: %w", err)
	}
	doc := &rootDoc{}
	var invalid []*InvalidEntryError
	core := metav1.APIGroup{Name: "", Versions: make([]metav1.GroupVersionForDiscovery, 0, len(in.Versions))}
	for _, v := range in.Versions {
		gv := schema.GroupVersion{Version: v}
		if err := validateVersion(gv); err != nil {
			invalid = append(invalid, &InvalidEntryError{Path: "/api", GroupVersion: gv, Err: err})
			continue
		}
		core.Versions = append(core.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
	}
	if len(core.Versions) > 0 {
		core.PreferredVersion = core.Versions[0]
		doc.groups = []metav1.APIGroup{core}
	}
	return doc, invalid, nil
}

// decodeAPIGroupList decodes the legacy /apis document. A group whose name is
// invalid, or whose versions all are, is left out; so is an invalid version
// of a valid group. What is left out is returned.
func decodeAPIGroupList(body []byte) (*rootDoc, []*InvalidEntryError, error) {
	var in metav1.APIGroupList
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, nil, fmt.Errorf("decode APIGroupList: %w", err)
	}
	var invalid []*InvalidEntryError
	groups := in.Groups[:0]
	for _, g := range in.Groups {
		g, left := validVersions(g)
		invalid = append(invalid, left...)
		if g.Name != "" {
			groups = append(groups, g)
		}
	}
	return &rootDoc{groups: groups}, invalid, nil
}

// validVersions returns g without its invalid versions, and what it left
// out. A group whose name is invalid, or that loses all its versions, comes
// back without a name: nothing of it is served.
func validVersions(g metav1.APIGroup) (metav1.APIGroup, []*InvalidEntryError) {
	leftOut := func(gv schema.GroupVersion, err error) *InvalidEntryError {
		return &InvalidEntryError{Path: "/apis", GroupVersion: gv, Err: err}
	}
	if g.Name == "" {
		return metav1.APIGroup{}, []*InvalidEntryError{leftOut(schema.GroupVersion{}, errors.New("group without a name in APIGroupList"))}
	}
	if err := validateGroup(g.Name); err != nil {
		return metav1.APIGroup{}, []*InvalidEntryError{leftOut(schema.GroupVersion{Group: g.Name}, err)}
	}
	var invalid []*InvalidEntryError
	kept := make([]metav1.GroupVersionForDiscovery, 0, len(g.Versions))
	for _, v := range g.Versions {
		gv := schema.GroupVersion{Group: g.Name, Version: v.Version}
		if err := validateVersion(gv); err != nil {
			invalid = append(invalid, leftOut(gv, err))
			continue
		}
		kept = append(kept, v)
	}
	if len(invalid) == 0 {
		return g, nil
	}
	if len(kept) == 0 {
		return metav1.APIGroup{}, invalid
	}
	g.Versions = kept
	if !hasVersion(kept, g.PreferredVersion.Version) {
		g.PreferredVersion = kept[0]
	}
	return g, invalid
}

// parseResourceList decodes GET /api/v1 or /apis/<group>/<version>, with
// its repeated strings and lists shared as in aggregated documents.
func parseResourceList(body []byte, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	var list metav1.APIResourceList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decode APIResourceList: %w", err)
	}
	switch list.GroupVersion {
	case "":
		list.GroupVersion = gv.String()
	case gv.String():
	default:
		return nil, fmt.Errorf("APIResourceList for %q where %q was asked", list.GroupVersion, gv)
	}
	list.APIResources = internResources(list.APIResources)
	return &list, nil
}

// internResources returns rs in a slice of its length (the decoder leaves
// room to grow) with the kinds, groups, versions and string lists that
// repeat shared through one interner, as resourceList does. Names and
// storage version hashes are left alone: they do not repeat.
func internResources(rs []metav1.APIResource) []metav1.APIResource {
	if rs == nil {
		return nil
	}
	in := newInterner()
	out := make([]metav1.APIResource, len(rs))
	for i, r := range rs {
		r.Group = in.str(r.Group)
		r.Version = in.str(r.Version)
		r.Kind = in.str(r.Kind)
		r.Verbs = in.list(r.Verbs)
		r.ShortNames = in.list(r.ShortNames)
		r.Categories = in.list(r.Categories)
		out[i] = r
	}
	return out
}

// validateGroupVersion rejects names no API server can serve. Besides guarding
// URLs, it matters because group-versions name directories of the disk cache.
func validateGroupVersion(gv schema.GroupVersion) error {
	if err := validateGroup(gv.Group); err != nil {
		return err
	}
	return validateVersion(gv)
}

// validateGroup accepts "" (the core group) and DNS subdomains.
func validateGroup(group string) error {
	if group == "" {
		return nil
	}
	if errs := validation.IsDNS1123Subdomain(group); len(errs) > 0 {
		return fmt.Errorf("invalid group %q: %s", group, strings.Join(errs, "; "))
	}
	return nil
}

// validateVersion accepts DNS labels, which every Kubernetes version is.
func validateVersion(gv schema.GroupVersion) error {
	if errs := validation.IsDNS1035Label(gv.Version); len(errs) > 0 {
		return fmt.Errorf("invalid version %q of group %q: %s", gv.Version, gv.Group, strings.Join(errs, "; "))
	}
	return nil
}

// gvPath is the URL path of a group-version's legacy document.
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}
