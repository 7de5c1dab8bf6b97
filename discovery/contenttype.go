package discovery

import (
	"mime"
	"strings"
)

// format is the shape of a discovery document, told by its Content-Type.
type format int

const (
	// formatLegacy is unaggregated discovery: APIVersions, APIGroupList or APIResourceList.
	formatLegacy format = iota
	// formatV2 is apidiscovery.k8s.io/v2 APIGroupDiscoveryList.
	formatV2
	// formatV2Beta1 is apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList.
	formatV2Beta1
)

// acceptDiscovery asks for aggregated discovery, newest format first, and
// accepts plain JSON from servers that only speak legacy discovery.
const acceptDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList," +
	"application/json"

// acceptJSON is sent for documents that only exist in legacy form.
const acceptJSON = "application/json"

// formatOf tells which parser a response body needs from its Content-Type.
// Parameter order, spacing, case of the names and extra parameters (charset,
// ones added by proxies) do not matter:
//
//	Content-Type                                                                   format
//	application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList            formatV2
//	application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io         formatV2
//	application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;charset=utf-8  formatV2
//	application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList       formatV2Beta1
//	application/json                                                               formatLegacy
//	application/json; charset=utf-8                                                formatLegacy
//	application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList            formatLegacy (unknown version)
//	"" or malformed                                                                formatLegacy
//
// Anything that is not a known aggregated format is parsed as legacy JSON, the
// format every API server has always spoken; a body that is not legacy JSON
// then fails to parse with a descriptive error.
func formatOf(contentType string) format {
	base, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(base, "application/json") {
		return formatLegacy
	}
	if params["g"] != "apidiscovery.k8s.io" || params["as"] != "APIGroupDiscoveryList" {
		return formatLegacy
	}
	switch params["v"] {
	case "v2":
		return formatV2
	case "v2beta1":
		return formatV2Beta1
	}
	return formatLegacy
}

func (f format) String() string {
	switch f {
	case formatV2:
		return "aggregated v2"
	case formatV2Beta1:
		return "aggregated v2beta1"
	}
	return "legacy"
}
