package cache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NamespaceIndex is the name of the built-in index by namespace:
// ByIndex(NamespaceIndex, ns) lists one namespace.
const NamespaceIndex = "namespace"

// InformerOf keeps a store of the objects of one kind (in a namespace,
// with selectors, if asked) in sync with the API server and tells its
// handlers what changes: an Informer of whole objects, or a
// MetadataInformer of their metadata. The objects it returns are shared
// with every caller and with the store: they are read-only, and DeepCopy
// is the caller's choice when it needs to change one. It is safe for
// concurrent use.
type InformerOf[T Object] struct {
	c    *Cache
	gvk  schema.GroupVersionKind
	opts InformerOptions
	key  informerKey   // the key of the kind as asked
	keys []informerKey // every key the Cache files it under; under c.mu
	open opener[T]

	store    *store[T]
	refl     *reflector[T]
	ls       listeners[T]
	stats    counters
	dispatch sync.Mutex     // serializes the reflector's changes with AddHandler and AddIndex
	lwg      sync.WaitGroup // running listener goroutines

	state   atomic.Int32
	mu      sync.Mutex    // guards changed
	changed chan struct{} // closed and replaced at each state change

	cancel   context.CancelFunc
	done     chan struct{} // closed when run returns
	stopOnce sync.Once
}

// Informer keeps whole objects, as *unstructured.Unstructured: see
// InformerOf for its methods.
type Informer = InformerOf[*unstructured.Unstructured]

// MetadataInformer keeps the metadata of objects only, as
// *metav1.PartialObjectMetadata: see InformerOf for its methods and
// Cache.MetadataInformer.
type MetadataInformer = InformerOf[*metav1.PartialObjectMetadata]

// newInformer returns an informer for gvk, filed under key (the kind as
// asked), that reads and prepares its objects with open.
func newInformer[T Object](c *Cache, gvk schema.GroupVersionKind, opts InformerOptions, key informerKey, open opener[T]) *InformerOf[T] {
	inf := &InformerOf[T]{c: c, gvk: gvk, opts: opts, key: key, open: open, store: newStore[T](),
		changed: make(chan struct{}), done: make(chan struct{})}
	inf.refl = &reflector[T]{inf: inf}
	inf.state.Store(int32(Waiting))
	return inf
}

func (i *InformerOf[T]) filing() (informerKey, *[]informerKey) { return i.key, &i.keys }

// start runs the informer from res (or, if resErr is set, from waiting for
// its kind) until parent ends or Stop.
func (i *InformerOf[T]) start(parent context.Context, res resolvedKind, resErr error) {
	if resErr == nil {
		i.state.Store(int32(Syncing))
	} else {
		i.stats.setError(resErr)
	}
	ctx, cancel := context.WithCancel(parent)
	i.cancel = cancel
	go i.run(ctx, res, resErr)
}

// listOptions are the selectors of every list and watch.
func (i *InformerOf[T]) listOptions() metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: i.key.labels, FieldSelector: i.key.fields}
}

// Kind returns the kind the informer was asked for.
func (i *InformerOf[T]) Kind() schema.GroupVersionKind { return i.gvk }

// State returns where the informer is: Waiting for its kind, Syncing,
// Synced or Stopped.
func (i *InformerOf[T]) State() State { return State(i.state.Load()) }

func (i *InformerOf[T]) setState(s State) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if State(i.state.Load()) == s || State(i.state.Load()) == Stopped {
		return
	}
	i.state.Store(int32(s))
	close(i.changed)
	i.changed = make(chan struct{})
}

// served records that the server answered a list or watch of the kind:
// a Waiting informer is Syncing from then on.
func (i *InformerOf[T]) served() {
	if i.State() == Waiting {
		i.setState(Syncing)
	}
}

// observe returns the state and a channel closed at its next change.
func (i *InformerOf[T]) observe() (State, <-chan struct{}) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return State(i.state.Load()), i.changed
}

// HasSynced reports whether the store holds a complete state of the kind.
func (i *InformerOf[T]) HasSynced() bool { return i.State() == Synced }

// WaitForSync waits until the store holds a complete state of the kind. An
// informer Waiting for its kind keeps WaitForSync waiting: bound it with
// ctx. It returns ctx's error if ctx ends first, ErrStopped if the informer
// is stopped.
func (i *InformerOf[T]) WaitForSync(ctx context.Context) error {
	for {
		st, changed := i.observe()
		switch st {
		case Synced:
			return nil
		case Stopped:
			return fmt.Errorf("informer for %s: %w", i.gvk, ErrStopped)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// waitForState waits until the informer is no longer Syncing.
func (i *InformerOf[T]) waitForState(ctx context.Context) error {
	for {
		st, changed := i.observe()
		if st != Syncing {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// Get returns the stored object namespace/name (namespace "" for a
// cluster-scoped kind). It allocates nothing. The object is shared:
// read-only.
func (i *InformerOf[T]) Get(namespace, name string) (T, bool) {
	e, ok := i.store.get(objKey{ns: namespace, name: name})
	return e.obj, ok
}

// List returns the stored objects whose labels sel matches, every object
// if sel is nil, in no particular order. The slice is new and the only
// allocation; the objects are shared: read-only.
func (i *InformerOf[T]) List(sel labels.Selector) []T {
	return i.store.list(sel)
}

// AddIndex adds an index: keys returns the values an object is filed under
// (none for nil). It is built over the objects already stored, at once,
// and kept as they change. keys runs on the informer's goroutine and must
// not call AddIndex or AddHandler. A name already used (NamespaceIndex
// included) is an error.
func (i *InformerOf[T]) AddIndex(name string, keys func(T) []string) error {
	if keys == nil {
		return fmt.Errorf("cache: index %q: nil keys function", name)
	}
	i.dispatch.Lock()
	defer i.dispatch.Unlock()
	if name == NamespaceIndex || i.store.hasIndex(name) {
		return fmt.Errorf("cache: index %q exists", name)
	}
	i.store.addIndex(name, keys)
	return nil
}

// ByIndex returns the objects filed under value in the index name,
// NamespaceIndex included; nil if none or no such index. The slice is the
// only allocation; the objects are shared: read-only.
func (i *InformerOf[T]) ByIndex(name, value string) []T {
	if name == NamespaceIndex {
		return i.store.inNamespace(value)
	}
	objs, _ := i.store.byIndex(name, value)
	return objs
}

// AddHandler adds h. It first receives the objects stored at that moment
// as initial adds, then every change after them, on its own goroutine.
// remove stops its deliveries (one in progress finishes); it may be called
// from the handler itself.
func (i *InformerOf[T]) AddHandler(h HandlerOf[T]) (remove func()) {
	l := &listener[T]{h: h, wg: &i.lwg}
	i.dispatch.Lock()
	if i.State() != Stopped {
		for _, obj := range i.store.snapshot() {
			l.enqueue(notification[T]{op: opAdd, obj: obj, initial: true})
		}
		i.ls.add(l)
	}
	i.dispatch.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			i.ls.drop(l)
			l.remove()
		})
	}
}

// notify queues n for every handler. Called with dispatch held.
func (i *InformerOf[T]) notify(n notification[T]) {
	for _, l := range i.ls.snapshot() {
		l.enqueue(n)
	}
}

// Stats returns what the informer has done so far.
func (i *InformerOf[T]) Stats() Stats {
	s := Stats{State: i.State(), Objects: i.store.len()}
	i.stats.fill(&s)
	ls := i.ls.snapshot()
	s.Handlers = len(ls)
	for _, l := range ls {
		s.Pending += l.pending()
	}
	return s
}

// Stop ends the informer: its watch, its goroutines and its handlers'
// deliveries. When it returns, no goroutine of the informer runs and no
// handler is being called, so it must not be called from one of the
// informer's handlers (call it from a new goroutine there). The store
// keeps what it held; the Cache forgets the informer, and asking for it
// again starts a new one.
func (i *InformerOf[T]) Stop() {
	i.stopOnce.Do(func() {
		i.cancel()
		<-i.done
		i.dispatch.Lock()
		i.setState(Stopped)
		ls := i.ls.snapshot()
		i.dispatch.Unlock()
		for _, l := range ls {
			l.remove()
		}
		i.lwg.Wait()
		i.c.forget(i)
	})
}
