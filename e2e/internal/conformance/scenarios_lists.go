package conformance

import "fmt"

// podTemplate is a PodTemplate's JSON. PodTemplates bypass the real
// server's watch cache in the e2e harness, so that their old versions
// expire with an etcd compaction, as the fixture's do with Compact.
func podTemplate(name string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":%q},"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}`, name)
}

func manyConfigMaps(prefix string, n int) []Step {
	var out []Step
	for i := range n {
		out = append(out, Post(cms, cm(fmt.Sprintf("%s%02d", prefix, i), "label:n="+fmt.Sprint(i%2))))
	}
	return out
}

// listScenarios: paging, continue tokens and their expiry, resourceVersion
// semantics of lists.
func listScenarios() []Scenario {
	return []Scenario{
		{Name: "paging", Steps: append(manyConfigMaps("p", 7),
			Get(cms+"?limit=3").Saving("c1", "metadata.continue"),
			Get(cms+"?limit=3&continue={$c1}").Saving("c2", "metadata.continue"),
			Get(cms+"?limit=3&continue={$c2}").Named("last page"),
			Get(cms+"?limit=2&labelSelector=n%3D1").Saving("c3", "metadata.continue").Named("paging with a selector"),
			Get(cms+"?limit=2&labelSelector=n%3D1&continue={$c3}"),
			Get(cms+"?limit=0").Named("limit 0 lists all"),
			Get(cms+"?limit=-1").Named("negative limit"),
			Get(cms+"?continue=garbage").Named("garbage continue"),
		)},
		{Name: "paging-sees-snapshot", Steps: append(manyConfigMaps("s", 4),
			Get(cms+"?limit=2").Saving("c", "metadata.continue"),
			Post(cms, cm("s99")),
			Delete(cms+"/s03"),
			Get(cms+"?limit=10&continue={$c}").Named("second page lists the first page's snapshot"),
		)},
		{Name: "expired-continue", Steps: []Step{
			Post(pts, podTemplate("t1")),
			Post(pts, podTemplate("t2")),
			Post(pts, podTemplate("t3")),
			Get(pts+"?limit=1").Saving("c", "metadata.continue"),
			Post(pts, podTemplate("t4")),
			CompactNow(),
			Get(pts + "?limit=1&continue={$c}").Named("expired continue"),
			Get(pts + "?limit=10").Named("relist"),
		}},
		{Name: "list-resource-versions", Steps: []Step{
			Post(cms, cm("r1")).Saving("rv", "metadata.resourceVersion"),
			Patch(MergePatch, cms+"/r1", `{"data":{"a":"1"}}`),
			// kube-apiserver answers resourceVersion=0 from its watch cache,
			// which may not have seen the patch yet; a consistent list waits
			// until the cache has caught up with etcd.
			Get(cms).Named("a consistent list"),
			Get(cms + "?resourceVersion=0").Named("any version"),
			Get(cms + "?resourceVersion={$rv}&resourceVersionMatch=NotOlderThan"),
			Get(cms + "?resourceVersion={$rv}&resourceVersionMatch=Exact").Named("an exact past version"),
			Get(cms + "?resourceVersionMatch=Exact").Named("Exact without a version"),
			Get(cms + "?resourceVersion={$rv}&resourceVersionMatch=Sometime").Named("unknown match"),
			Get(cms + "?resourceVersion=abc").Named("non-numeric version"),
			Get(cms + "/r1?resourceVersion=0").Named("get at any version"),
		}},
		{Name: "list-across-namespaces", Steps: []Step{
			Post(cms, cm("x1", "label:cf-across={ns}")),
			Get("/api/v1/configmaps?labelSelector=cf-across%3D{ns}"),
			Get("/api/v1/configmaps?fieldSelector=metadata.namespace%3D{ns}"),
			Post("/api/v1/configmaps", cm("x2")).Named("create without a namespace"),
		}},
		{Name: "tables", Steps: []Step{
			Post(cms, cm("t1", "a=1", "b=2")),
			Post(secrets, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"t2"},"stringData":{"a":"b"}}`),
			Get(cms).Accepting(TableAccept),
			Get(cms + "/t1").Accepting(TableAccept),
			Get(cms + "?includeObject=None").Accepting(TableAccept),
			Get(secrets).Accepting(TableAccept),
			Get(nsPath).Accepting(TableAccept),
			Get(cms + "/t1").Accepting("application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"),
			Get(cms).Accepting("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"),
			Get(cms + "/t1").Accepting("application/yaml"),
		}},
	}
}

// watchScenarios: event sequences, resumes, selectors, bookmarks, 410 and
// WatchList. Watches start from a saved resourceVersion, so that what
// they replay does not depend on when the stream opened.
func watchScenarios() []Scenario {
	return []Scenario{
		{Name: "watch-sequence", Steps: []Step{
			Post(cms, cm("w0")).Saving("rv", "metadata.resourceVersion"),
			Post(cms, cm("w1", "a=1")),
			Put(cms+"/w1", cm("w1", "a=2")),
			Patch(MergePatch, cms+"/w1", `{"metadata":{"labels":{"l":"1"}}}`),
			Delete(cms + "/w1"),
			Delete(cms + "/w0"),
			WatchOf(cms + "?resourceVersion={$rv}").Named("replay from the first create"),
			WatchOf(cms + "/w1?resourceVersion={$rv}").Named("watch one name"),
			WatchOf(cms + "?resourceVersion={$rv}&fieldSelector=metadata.name%3Dw1"),
		}},
		{Name: "watch-selectors", Steps: []Step{
			Post(cms, cm("s0")).Saving("rv", "metadata.resourceVersion"),
			Post(cms, cm("s1", "label:app=a")),
			Patch(MergePatch, cms+"/s1", `{"metadata":{"labels":{"app":"b"}}}`).Named("leaves the selection"),
			Patch(MergePatch, cms+"/s1", `{"metadata":{"labels":{"app":"a"}}}`).Named("comes back"),
			Patch(MergePatch, cms+"/s1", `{"data":{"x":"1"}}`),
			Delete(cms + "/s1"),
			WatchOf(cms + "?resourceVersion={$rv}&labelSelector=app%3Da"),
			WatchOf(cms + "?resourceVersion={$rv}&labelSelector=app%3Db"),
			WatchOf(cms + "?resourceVersion={$rv}&labelSelector=app+in+(").Named("bad selector"),
		}},
		{Name: "watch-initial-state", Steps: []Step{
			Post(cms, cm("i1")),
			Post(cms, cm("i2", "label:app=a")),
			WatchOf(cms).Named("no resourceVersion: the current state first"),
			WatchOf(cms + "?resourceVersion=0"),
			WatchOf(cms + "?labelSelector=app%3Da"),
		}},
		{Name: "watch-bookmarks", Steps: []Step{
			Post(cms, cm("b1")).Saving("rv", "metadata.resourceVersion"),
			WatchOf(cms + "?resourceVersion={$rv}&allowWatchBookmarks=true&timeoutSeconds=4").Named("a bookmark before the timeout"),
		}},
		{Name: "watchlist", Steps: []Step{
			Post(cms, cm("l2", "label:app=a")),
			Post(cms, cm("l1")),
			WatchOf(cms + "?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true").Named("WatchList"),
			WatchOf(cms + "?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=app%3Da"),
			WatchOf(cms + "?sendInitialEvents=true&resourceVersionMatch=NotOlderThan").Named("without bookmarks"),
			WatchOf(cms + "?sendInitialEvents=true&allowWatchBookmarks=true").Named("without a match"),
			WatchOf(cms + "?sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true").Named("false needs a version"),
			WatchOf(cms + "?sendInitialEvents=true&resourceVersionMatch=Exact&allowWatchBookmarks=true").Named("Exact refused"),
		}},
		{Name: "watch-gone", Steps: []Step{
			Post(pts, podTemplate("g1")).Saving("rv", "metadata.resourceVersion"),
			Post(pts, podTemplate("g2")),
			Post(pts, podTemplate("g3")),
			CompactNow(),
			WatchOf(pts + "?resourceVersion={$rv}").Named("a compacted version"),
			Get(pts + "?resourceVersion={$rv}&resourceVersionMatch=Exact").Named("list at a compacted version"),
		}},
	}
}
