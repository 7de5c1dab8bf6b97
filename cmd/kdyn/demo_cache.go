package main

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/cache"
)

var configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// reconcilerLabel marks the ConfigMaps the demo's reconciler owns.
const reconcilerLabel = "kdyn-demo/crontab"

// reconciler is the smallest controller on kdyn's cache: for every CronTab
// it keeps a ConfigMap crontab-<name> holding its schedule, and deletes the
// ConfigMap when the CronTab goes. Its CronTab informer is asked for before
// the CRD exists, so it waits for the kind.
type reconciler struct {
	c       *cache.Cache
	crons   *cache.Informer
	configs *cache.Informer
	queue   chan string // names of CronTabs to reconcile, from the handler
}

// startReconciler starts the reconciler's cache and informers.
func (d *demoRun) startReconciler(ctx context.Context) error {
	// Short polls for the kind, and short watches: the fixture server ends
	// a deleted CRD's watches a moment before it stops serving the
	// resource, so a watch resumed in between would stay open until its
	// timeout.
	c := cache.New(d.s.dynamic, d.s.mapper, cache.Options{KindPollInterval: 100 * time.Millisecond,
		MaxBackoff: time.Second, WatchTimeout: 2 * time.Second})
	r := &reconciler{c: c, queue: make(chan string, 100)}
	d.rec = r
	var err error
	if r.crons, err = c.Informer(ctx, cronTabGVK, cache.InformerOptions{Namespace: "default"}); err != nil {
		return err
	}
	enqueue := func(obj *unstructured.Unstructured) { r.queue <- obj.GetName() }
	r.crons.AddHandler(cache.Handler{
		OnAdd:    func(obj *unstructured.Unstructured, _ bool) { enqueue(obj) },
		OnUpdate: func(_, obj *unstructured.Unstructured) { enqueue(obj) },
		OnDelete: enqueue,
	})
	r.configs, err = c.Informer(ctx, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"},
		cache.InformerOptions{Namespace: "default", LabelSelector: reconcilerLabel})
	if err != nil {
		return err
	}
	if err := c.WaitForSync(ctx); err != nil {
		return err
	}
	d.printf("ConfigMap informer: %s with %d objects; CronTab informer: %s (the CRD was deleted in step 9)",
		r.configs.State(), len(r.configs.List(nil)), r.crons.State())
	return nil
}

func (d *demoRun) stopReconciler() {
	if d.rec != nil {
		d.rec.c.Stop()
	}
}

// reinstall installs the CRD again and creates two CronTabs; the informer
// finds the kind and the reconciler writes their ConfigMaps.
func (d *demoRun) reinstall(ctx context.Context) error {
	if err := d.installCRD(ctx); err != nil {
		return err
	}
	if err := d.create(ctx); err != nil {
		return err
	}
	if err := d.rec.crons.WaitForSync(ctx); err != nil {
		return err
	}
	d.printf("the CronTab informer found its kind and synced: %s, %d objects", d.rec.crons.State(), len(d.rec.crons.List(nil)))
	return d.reconcileUntil(ctx, 2)
}

// removeCRD deletes the CRD: the informer delivers its objects' deletion
// and waits for the kind again; the reconciler deletes the ConfigMaps.
func (d *demoRun) removeCRD(ctx context.Context) error {
	if err := d.s.dynamic.Resource(crdGVR).Delete(ctx, "crontabs.stable.example.com", metav1.DeleteOptions{}); err != nil {
		return err
	}
	d.printf("deleted customresourcedefinition crontabs.stable.example.com")
	if err := d.reconcileUntil(ctx, 0); err != nil {
		return err
	}
	deadline := time.Now().Add(eventTimeout)
	for d.rec.crons.State() != cache.Waiting {
		if time.Now().After(deadline) {
			return fmt.Errorf("the CronTab informer is %s, not Waiting", d.rec.crons.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.printf("the CronTab informer: %s, %d objects", d.rec.crons.State(), len(d.rec.crons.List(nil)))
	return nil
}

// reconcileUntil reconciles queued CronTabs until the ConfigMap cache
// holds want ConfigMaps and the queue is empty.
func (d *demoRun) reconcileUntil(ctx context.Context, want int) error {
	r := d.rec
	timeout := time.NewTimer(eventTimeout)
	defer timeout.Stop()
	for {
		select {
		case name := <-r.queue:
			if err := d.reconcile(ctx, name); err != nil {
				return err
			}
			continue
		case <-timeout.C:
			return fmt.Errorf("the reconciler did not reach %d ConfigMaps within %s", want, eventTimeout)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if len(r.configs.List(nil)) == want && len(r.queue) == 0 {
			return nil
		}
	}
}

// reconcile makes the ConfigMap of CronTab name match it: the CronTab is
// read from the cache (no request), the ConfigMap too.
func (d *demoRun) reconcile(ctx context.Context, name string) error {
	r := d.rec
	cmName := "crontab-" + name
	cms := d.s.dynamic.Resource(configMapsGVR).Namespace("default")
	cron, exists := r.crons.Get("default", name)
	cm, have := r.configs.Get("default", cmName)
	if !exists {
		if !have {
			return nil
		}
		err := cms.Delete(ctx, cmName, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			err = nil
		}
		d.printf("reconcile %s: the CronTab is gone, deleted configmap %s", name, cmName)
		return err
	}
	spec, _, _ := unstructured.NestedString(cron.Object, "spec", "cronSpec")
	if have {
		if got, _, _ := unstructured.NestedString(cm.Object, "data", "schedule"); got == spec {
			return nil
		}
		cm = cm.DeepCopy() // cached objects are shared: copy before changing
		if err := unstructured.SetNestedField(cm.Object, spec, "data", "schedule"); err != nil {
			return err
		}
		_, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
		d.printf("reconcile %s: updated configmap %s to schedule %q", name, cmName, spec)
		return err
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": cmName, "labels": map[string]any{reconcilerLabel: name}},
		"data":     map[string]any{"schedule": spec},
	}}
	_, err := cms.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // the cache had not seen it yet; a later event brings it
	}
	if err == nil {
		d.printf("reconcile %s: created configmap %s with schedule %q", name, cmName, spec)
	}
	return err
}
