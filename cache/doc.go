// Package cache keeps watch-backed, indexed stores of objects of any kind,
// shared by everyone in a process who asks for the same kind: kdyn's
// counterpart of client-go's dynamicinformer and SharedIndexInformer,
// controller-runtime's cache and kube-rs's reflector.
//
//	c := cache.New(dyn, mapper, cache.Options{})
//	defer c.Stop()
//	inf, err := c.Informer(ctx, gvk, cache.InformerOptions{Namespace: "shop"})
//	inf.AddHandler(cache.Handler{OnUpdate: func(old, obj *unstructured.Unstructured) { ... }})
//	err = inf.WaitForSync(ctx)
//	obj, ok := inf.Get("shop", "web")
//
// # What an informer does
//
// There is one informer per resource, namespace, label selector, field
// selector, managedFields choice and form (whole objects, or metadata only:
// see below); asking twice returns the same one. It
// reads the current state with WatchList (a watch with sendInitialEvents,
// ended by the k8s.io/initial-events-end bookmark) where the server serves
// it; where it refuses (WatchList off, servers before 1.27, servers that
// ignore sendInitialEvents and never send that bookmark) it lists page by
// page and watches from the list's resourceVersion, and the Cache — one
// API server — remembers the refusal. Broken watches resume from the last
// resourceVersion with bookmarks requested. On 410 Gone it reads the state
// again and reconciles it with the store object by object, by
// resourceVersion: handlers see an Update, Add or Delete only for what
// changed, the store is never empty or doubled meanwhile, and unchanged
// objects read are dropped at once, so a relist holds at most one list page
// (or one event) beside the store. Failures back off exponentially with
// jitter, so informers that failed together do not retry together.
//
// The informer is three parts, a file each: the watcher (watcher.go) turns
// WatchList or list+watch into complete states and events and owns resume
// and backoff; the reflector (reflector.go) applies them to the store and
// queues notifications; the store (store.go) holds the objects keyed by
// namespace/name, with a namespace index and the user's indexes.
//
// # Shared, read-only objects
//
// Get, List and ByIndex return the stored objects themselves, shared with
// every caller: they must not be modified (DeepCopy one to change it). In
// exchange they cost nothing per object: Get allocates nothing, List and
// ByIndex only their result slice. The store is guarded by a RWMutex held
// only for map operations; no request is made, and no handler or user
// function is called, while it is held.
//
// # Memory
//
// metadata.managedFields are dropped unless InformerOptions.
// KeepManagedFields asks for them (from JSON they are not even decoded:
// the decoder scans past them, see dynamic.Client.WithoutManagedFields);
// the user's Transform runs next; then
// each object's strings are replaced in place so that it shares nothing
// with the page or event it was decoded from (kdyn's decoder makes decoded
// strings share that buffer): map keys interned process-wide, short
// repeated strings (apiVersion, kind, namespace, label keys and values,
// condition types...) interned per informer with their interface boxes,
// long strings copied, and, when managedFields are kept, equal fieldsV1
// trees shared between objects. See detacher.
//
// # Metadata only
//
// Cache.MetadataInformer keeps each object's metadata alone, as
// *metav1.PartialObjectMetadata (MetadataInformer, with MetadataHandler),
// for controllers that need only names, labels, owners, finalizers and
// resourceVersions: it reads PartialObjectMetadata from the server,
// protobuf first (served for custom resources too), through dynamic's
// metadata mode, by the same WatchList or list+watch, resumes and relists.
// InformerOptions.MetadataOnly on Informer keeps the same metadata as
// *unstructured.Unstructured (apiVersion, kind and metadata) for code
// written against unstructured objects, at about twice the memory. In the
// PartialObjectMetadata form, equal label and annotation maps, owner
// references and finalizer lists are shared between the stored objects
// (see metaDetacher). A metadata-only informer shares nothing with the
// whole-object informer of its kind.
//
// # Handlers
//
// Each handler has its own queue, which grows as needed, and a goroutine
// that runs only while the queue is not empty: a slow handler delays only
// itself. A handler added late first receives the store's content as
// initial adds. There is no periodic resync: re-reading the store on a
// timer is a controller's policy, and List makes it cheap.
//
// # Kinds that come and go
//
// Asking for a kind the server does not serve yet is not an error: the
// informer is Waiting, does not hold back Cache.WaitForSync, and looks the
// kind up again with backoff (kdyn's restmapper answers repeated misses
// from its negative cache, so this rarely costs a request) until it
// appears, for instance when its CRD is installed. When the server stops
// serving it (list or watch answer 404: the CRD was deleted), the informer
// delivers OnDelete for its objects, ends its watch goroutines and waits
// for the kind again; a mapper that still maps the deleted kind makes each
// look-up a list or watch request answered 404, at most one per
// Options.MaxBackoff once the backoff has grown. Stop ends one informer,
// Cache.Stop all.
package cache
