package cache

import (
	"slices"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// HandlerOf receives an informer's changes, in the order the informer
// applied them. Each handler is called from its own goroutine, one call at
// a time: a slow handler delays only itself, never the watch or the other
// handlers (its notifications queue up meanwhile). Any func may be nil.
// The objects are the store's, shared and read-only: DeepCopy before
// changing one.
type HandlerOf[T Object] struct {
	// OnAdd receives an object that entered the store. initial is true for
	// the objects of the informer's first sync, and for the objects a
	// handler added later receives first, the store's content at that
	// moment; false for objects created (or newly matching) since.
	OnAdd func(obj T, initial bool)
	// OnUpdate receives an object that changed: the stored version it
	// replaced and the new one.
	OnUpdate func(old, obj T)
	// OnDelete receives an object that left the store: its last state
	// from the server when the watch saw it deleted, else the stored one
	// (a relist that no longer found it, or a kind that went away).
	OnDelete func(obj T)
}

// Handler is the handler of an Informer, which holds whole objects.
type Handler = HandlerOf[*unstructured.Unstructured]

// MetadataHandler is the handler of a MetadataInformer, which holds
// metadata only.
type MetadataHandler = HandlerOf[*metav1.PartialObjectMetadata]

type op uint8

const (
	opAdd op = iota
	opUpdate
	opDelete
)

// notification is one change for a handler.
type notification[T Object] struct {
	op       op
	initial  bool
	old, obj T
}

// minQueue is the smallest capacity a listener's queue shrinks back to.
const minQueue = 64

// listener delivers the notifications of one Handler. It runs a goroutine
// only while it has something to deliver, so an informer at rest holds no
// goroutine per handler; the goroutine ends when the queue is empty and the
// next notification starts another.
type listener[T Object] struct {
	h  HandlerOf[T]
	wg *sync.WaitGroup // the informer's: Stop waits for running listeners

	mu      sync.Mutex // guards the fields below
	buf     []notification[T]
	head, n int  // the queue is buf[head:head+n], wrapping
	running bool // a goroutine is delivering
	removed bool // nothing more is delivered
}

// enqueue adds n to the queue and makes sure a goroutine delivers it.
func (l *listener[T]) enqueue(nt notification[T]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.removed {
		return
	}
	l.push(nt)
	if !l.running {
		l.running = true
		l.wg.Add(1)
		go l.run()
	}
}

func (l *listener[T]) push(nt notification[T]) {
	if l.n == len(l.buf) {
		l.grow()
	}
	l.buf[(l.head+l.n)%len(l.buf)] = nt
	l.n++
}

func (l *listener[T]) grow() {
	buf := make([]notification[T], max(minQueue, 2*len(l.buf)))
	for i := range l.n {
		buf[i] = l.buf[(l.head+i)%len(l.buf)]
	}
	l.buf, l.head = buf, 0
}

// next pops the next notification; ok is false when the queue is empty or
// the listener removed, and the goroutine must end.
func (l *listener[T]) next() (notification[T], bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.removed || l.n == 0 {
		l.running = false
		if len(l.buf) > minQueue {
			l.buf, l.head, l.n = nil, 0, 0 // a burst is over: give its buffer back
		}
		return notification[T]{}, false
	}
	nt := l.buf[l.head]
	l.buf[l.head] = notification[T]{}
	l.head = (l.head + 1) % len(l.buf)
	l.n--
	return nt, true
}

func (l *listener[T]) run() {
	defer l.wg.Done()
	for {
		nt, ok := l.next()
		if !ok {
			return
		}
		l.deliver(nt)
	}
}

func (l *listener[T]) deliver(nt notification[T]) {
	switch nt.op {
	case opAdd:
		if l.h.OnAdd != nil {
			l.h.OnAdd(nt.obj, nt.initial)
		}
	case opUpdate:
		if l.h.OnUpdate != nil {
			l.h.OnUpdate(nt.old, nt.obj)
		}
	case opDelete:
		if l.h.OnDelete != nil {
			l.h.OnDelete(nt.obj)
		}
	}
}

// remove stops deliveries: none starts after it returns, though one in
// progress finishes.
func (l *listener[T]) remove() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removed = true
	l.buf, l.head, l.n = nil, 0, 0
}

func (l *listener[T]) pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// listeners is an informer's set of listeners, published as an immutable
// slice so that the reflector reads it without a lock.
type listeners[T Object] struct {
	mu   sync.Mutex // serializes changes of list
	list atomic.Pointer[[]*listener[T]]
}

func (ls *listeners[T]) snapshot() []*listener[T] {
	if p := ls.list.Load(); p != nil {
		return *p
	}
	return nil
}

func (ls *listeners[T]) add(l *listener[T]) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	next := append(slices.Clip(ls.snapshot()), l)
	ls.list.Store(&next)
}

func (ls *listeners[T]) drop(l *listener[T]) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(ls.snapshot()), func(x *listener[T]) bool { return x == l })
	ls.list.Store(&next)
}
