package oracle

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// syntheticKinds are kinds chosen for the corners of client-go's mapper:
// guessed plurals ending in s and y, an Endpoints-like unpluralized name, a
// kind whose list form collides with a resource name, and kinds that share
// names across groups.
var syntheticKinds = []struct {
	kind, plural, singular string
	short                  []string
}{
	{"Widget", "widgets", "widget", []string{"wd"}},
	{"Gadget", "gadgets", "", []string{"gd", "wd"}},
	{"Policy", "policies", "policy", nil},
	{"Status", "statuses", "", nil},
	{"Endpoints", "endpoints", "endpoints", []string{"ep"}},
	{"Pod", "pods", "pod", []string{"po"}},
	{"Config", "configs", "config", nil},
	{"ConfigList", "configlists", "configlist", nil},
	{"Sprocket", "sprockets", "sprocket", nil},
	{"Sprocket", "sprocketz", "sprocketx", nil}, // a second resource of the same kind
	{"Bus", "buses", "bus", nil},
	{"Alias", "aliases", "pod", nil}, // its singular is another kind's singular
}

var syntheticGroups = []string{"apps", "apps.example.com", "example.com", "a.example.com", "b.io", "b.io.x", "batch", "ba"}

var syntheticVersions = []string{"v1", "v1beta1", "v2", "v1alpha1", "v2beta2", "v10"}

// synthetic builds a random cluster from seed: random groups in random
// order, each with random versions (some unserved) and a random preferred
// version, each version serving random kinds, some with subresources.
func synthetic(seed int64) *docs {
	rnd := rand.New(rand.NewPCG(uint64(seed), 42))
	d := &docs{resources: map[schema.GroupVersion]*metav1.APIResourceList{}}
	groups := append([]string{""}, syntheticGroups...)
	rnd.Shuffle(len(groups)-1, func(i, j int) { groups[i+1], groups[j+1] = groups[j+1], groups[i+1] })
	groups = groups[:2+rnd.IntN(len(groups)-1)]
	for _, name := range groups {
		var g metav1.APIGroup
		g.Name = name
		vs := slices.Clone(syntheticVersions)
		rnd.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		if name == "" {
			vs = []string{"v1"}
		}
		for _, v := range vs[:1+rnd.IntN(min(3, len(vs)))] {
			gv := schema.GroupVersion{Group: name, Version: v}
			g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: v})
			if rnd.IntN(8) == 0 {
				continue // not served
			}
			d.resources[gv] = &metav1.APIResourceList{GroupVersion: gv.String(), APIResources: syntheticResources(rnd)}
		}
		g.PreferredVersion = g.Versions[rnd.IntN(len(g.Versions))]
		if rnd.IntN(10) == 0 {
			g.PreferredVersion = metav1.GroupVersionForDiscovery{}
		}
		d.groups = append(d.groups, g)
	}
	return d
}

func syntheticResources(rnd *rand.Rand) []metav1.APIResource {
	var out []metav1.APIResource
	for _, i := range rnd.Perm(len(syntheticKinds))[:rnd.IntN(len(syntheticKinds)+1)] {
		k := syntheticKinds[i]
		r := metav1.APIResource{Name: k.plural, SingularName: k.singular, Kind: k.kind, Namespaced: rnd.IntN(2) == 0, ShortNames: k.short}
		if rnd.IntN(4) == 0 {
			r.SingularName = ""
		}
		if rnd.IntN(3) == 0 {
			r.Categories = []string{"all"}
		}
		out = append(out, r)
		if rnd.IntN(3) == 0 {
			out = append(out, metav1.APIResource{Name: k.plural + "/status", Kind: k.kind, Namespaced: r.Namespaced})
		}
		if rnd.IntN(6) == 0 {
			out = append(out, metav1.APIResource{Name: fmt.Sprintf("%s%d", strings.ToLower(k.kind), rnd.IntN(3)), Kind: k.kind + "Ext", Namespaced: r.Namespaced})
		}
	}
	return out
}
