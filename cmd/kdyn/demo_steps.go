package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/fixture"
)

// The demo's CRD and its kind.
var (
	crdGVR     = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	cronTabGVK = schema.GroupVersionKind{Group: "stable.example.com", Version: "v1", Kind: "CronTab"}
)

const cronTabCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, listKind: CronTabList, shortNames: [ct], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// eventTimeout bounds the wait for a watch event the demo caused.
const eventTimeout = 10 * time.Second

// demoRun is one run of the scripted flow: a generic operator that knows
// nothing of CronTab at compile time.
type demoRun struct {
	srv   *fixture.Server
	s     *session
	m     meter
	out   io.Writer
	etag  string // the server's aggregated /apis ETag when discovery ran
	crons dynamic.ResourceInterface
	w     watch.Interface
	rec   *reconciler // steps 10 to 12
}

func newDemo(srv *fixture.Server, out io.Writer) (*demoRun, error) {
	s, err := newSession(srv.Config(), "default")
	if err != nil {
		return nil, err
	}
	return &demoRun{srv: srv, s: s, m: meter{srv: srv}, out: out}, nil
}

// step is one step of the flow.
type step struct {
	title string
	run   func(context.Context) error
}

func (d *demoRun) run(ctx context.Context) error {
	defer d.s.close()
	defer d.stopWatch()
	defer d.stopReconciler()
	c := d.srv.Cluster()
	fmt.Fprintf(d.out, "kdyn demo: a generic operator against the recorded cluster %s, served in-process at %s\n", c.Name(), d.srv.URL)
	fmt.Fprintf(d.out, "(kube-apiserver %s recorded %s; its discovery documents are served byte for byte until step 3 installs a CRD)\n", c.Meta().ServerVersion, c.Meta().Recorded)
	steps := []step{
		{"discover the cluster (aggregated discovery)", d.discover},
		{"map a built-in kind through the restmapper", d.mapBuiltin},
		{"install the CronTab CRD through the dynamic client", d.installCRD},
		{"map CronTab: the mapper misses, refreshes discovery once and finds it", d.mapCronTab},
		{"create two CronTabs by kind", d.create},
		{"list them and start a watch", d.list},
		{"watch them; merge-patch one, server-side apply the other", d.watchAndChange},
		{"delete them; the watch sees both go", d.deleteAll},
		{"tear down: delete the CRD; discovery no longer lists its group", d.teardown},
		{"start a reconciler on the cache: a ConfigMap per CronTab; its CronTab informer waits for the kind", d.startReconciler},
		{"install the CRD again and create two CronTabs: the informer syncs, the reconciler writes their ConfigMaps", d.reinstall},
		{"delete the CRD: the informer delivers the deletions and waits again; the reconciler cleans up", d.removeCRD},
	}
	operator := 0
	for i, st := range steps {
		fmt.Fprintf(d.out, "\n%d. %s\n", i+1, st.title)
		d.m.start()
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, st.title, err)
		}
		fmt.Fprintf(d.out, "   cost: %s\n", d.m.cost())
		if i == 8 {
			operator = d.m.total
		}
	}
	fmt.Fprintf(d.out, "\ndone: %d requests in all (%d for steps 1-9)\n", d.m.total, operator)
	return nil
}

func (d *demoRun) printf(format string, args ...any) {
	fmt.Fprintf(d.out, "   "+format+"\n", args...)
}

func (d *demoRun) discover(ctx context.Context) error {
	groups, lists, err := d.s.discovery.GroupsAndResources(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, l := range lists {
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				n++
			}
		}
	}
	d.etag = d.apisETag()
	d.printf("%d groups, %d resources in %d group-versions", len(groups), n, len(lists))
	return nil
}

// apisETag is the ETag the server sends for aggregated /apis now.
func (d *demoRun) apisETag() string {
	doc, _ := d.srv.Cluster().Doc(fixture.DocAggregatedAPIs)
	return doc.ETag
}

func (d *demoRun) mapBuiltin(ctx context.Context) error {
	m, err := d.s.mapper.RESTMappingWithContext(ctx, schema.GroupKind{Group: "apps", Kind: "Deployment"})
	if err != nil {
		return err
	}
	d.printf("apps/Deployment → %s, from the discovery data of step 1", describeMapping(m))
	return nil
}

func (d *demoRun) installCRD(ctx context.Context) error {
	objs, err := decodeManifests(strings.NewReader(cronTabCRD))
	if err != nil {
		return err
	}
	crd, err := d.s.dynamic.Resource(crdGVR).Create(ctx, objs[0], metav1.CreateOptions{})
	if err != nil {
		return err
	}
	// The create answer shows the CRD before the API server's controllers
	// establish it; the CRD read back shows whether they have.
	if crd, err = d.s.dynamic.Resource(crdGVR).Get(ctx, crd.GetName(), metav1.GetOptions{}); err != nil {
		return err
	}
	d.printf("created customresourcedefinition %s (Established=%s)", crd.GetName(), condition(crd, "Established"))
	return nil
}

// condition returns the status of a status condition, "unknown" if absent.
func condition(obj *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			return fmt.Sprint(m["status"])
		}
	}
	return "unknown"
}

func (d *demoRun) mapCronTab(ctx context.Context) error {
	m, err := d.s.mapper.RESTMappingWithContext(ctx, cronTabGVK.GroupKind())
	if err != nil {
		return err
	}
	d.printf("stable.example.com/CronTab → %s", describeMapping(m))
	d.printf("the server's aggregated /apis changed when the CRD was installed: ETag %s → %s", short(d.etag), short(d.apisETag()))
	r, err := d.s.mapped.ForKind(ctx, cronTabGVK)
	if err != nil {
		return err
	}
	d.crons = r.Namespace("default")
	return nil
}

// describeMapping prints a mapping as "deployments.v1.apps (namespaced)".
func describeMapping(m *meta.RESTMapping) string {
	scope := "cluster-scoped"
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		scope = "namespaced"
	}
	r := m.Resource
	return fmt.Sprintf("%s (%s)", strings.TrimSuffix(r.Resource+"."+r.Version+"."+r.Group, "."), scope)
}

// short abbreviates a long ETag for printing.
func short(etag string) string {
	if len(etag) <= 14 {
		return etag
	}
	return etag[:13] + "…\""
}

func newCronTab(name, spec string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"cronSpec": spec, "image": "example/cron:1", "replicas": int64(1)},
	}}
	u.SetGroupVersionKind(cronTabGVK)
	u.SetName(name)
	return u
}

func (d *demoRun) create(ctx context.Context) error {
	for _, c := range []*unstructured.Unstructured{newCronTab("nightly", "0 3 * * *"), newCronTab("hourly", "0 * * * *")} {
		got, err := d.crons.Create(ctx, c, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		d.printf("created crontab %s/%s (uid %s, resourceVersion %s)", got.GetNamespace(), got.GetName(), got.GetUID(), got.GetResourceVersion())
	}
	return nil
}

func (d *demoRun) list(ctx context.Context) error {
	l, err := d.crons.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var names []string
	for _, it := range l.Items {
		spec, _, _ := unstructured.NestedString(it.Object, "spec", "cronSpec")
		names = append(names, fmt.Sprintf("%s (%s)", it.GetName(), spec))
	}
	d.printf("%d CronTabs at resourceVersion %s: %s", len(l.Items), l.GetResourceVersion(), strings.Join(names, ", "))
	return d.startWatch(ctx, l.GetResourceVersion())
}

// startWatch opens the watch the next steps read, from the list's
// resourceVersion, so that it sees exactly the changes made after the list.
func (d *demoRun) startWatch(ctx context.Context, rv string) error {
	w, err := d.crons.Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		return err
	}
	d.w = w
	d.printf("watching crontabs in default from resourceVersion %s", rv)
	return nil
}

func (d *demoRun) stopWatch() {
	if d.w != nil {
		d.w.Stop()
	}
}

func (d *demoRun) watchAndChange(ctx context.Context) error {
	patch := []byte(`{"spec":{"cronSpec":"30 3 * * *"}}`)
	got, err := d.crons.Patch(ctx, "nightly", types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return err
	}
	d.printf("merge-patched nightly: generation %d", got.GetGeneration())
	cfg := newCronTab("hourly", "15 * * * *")
	got, err = d.crons.Apply(ctx, "hourly", cfg, metav1.ApplyOptions{FieldManager: "kdyn-demo", Force: true})
	if err != nil {
		return err
	}
	d.printf("applied hourly as field manager kdyn-demo: generation %d", got.GetGeneration())
	return d.expectEvents(ctx, watch.Modified, "nightly", "hourly")
}

func (d *demoRun) deleteAll(ctx context.Context) error {
	for _, name := range []string{"nightly", "hourly"} {
		if err := d.crons.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			return err
		}
		d.printf("deleted %s", name)
	}
	err := d.expectEvents(ctx, watch.Deleted, "nightly", "hourly")
	d.stopWatch()
	d.w = nil
	return err
}

// expectEvents waits for one event of type typ for each name, printing
// every event received, and fails if they do not all come in time.
func (d *demoRun) expectEvents(ctx context.Context, typ watch.EventType, names ...string) error {
	timeout := time.NewTimer(eventTimeout)
	defer timeout.Stop()
	for len(names) > 0 {
		select {
		case ev, ok := <-d.w.ResultChan():
			if !ok {
				return errors.New("the watch ended early")
			}
			name := eventName(ev)
			spec, _, _ := unstructured.NestedString(eventObject(ev), "spec", "cronSpec")
			d.printf("watch: %s %s %s", ev.Type, name, spec)
			if ev.Type == typ {
				names = slices.DeleteFunc(names, func(n string) bool { return n == name })
			}
		case <-timeout.C:
			return fmt.Errorf("no %s event for %v within %s", typ, names, eventTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func eventObject(ev watch.Event) map[string]any {
	if u, ok := ev.Object.(*unstructured.Unstructured); ok {
		return u.Object
	}
	return nil
}

func eventName(ev watch.Event) string {
	if u, ok := ev.Object.(*unstructured.Unstructured); ok {
		return u.GetName()
	}
	return fmt.Sprintf("%T", ev.Object)
}

func (d *demoRun) teardown(ctx context.Context) error {
	if err := d.s.dynamic.Resource(crdGVR).Delete(ctx, "crontabs.stable.example.com", metav1.DeleteOptions{}); err != nil {
		return err
	}
	d.printf("deleted customresourcedefinition crontabs.stable.example.com")
	d.s.discovery.InvalidateGroup(cronTabGVK.Group)
	groups, err := d.s.discovery.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups.Groups {
		if g.Name == cronTabGVK.Group {
			return fmt.Errorf("discovery still lists %s", g.Name)
		}
	}
	d.printf("discovery revalidated: %d groups, %s gone (aggregated /apis ETag now %s)", len(groups.Groups), cronTabGVK.Group, short(d.apisETag()))
	return nil
}
