package cache

import (
	"slices"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Handler receives an informer's changes, in the order the informer
// applied them. Each handler is called from its own goroutine, one call at
// a time: a slow handler delays only itself, never the watch or the other
// handlers (its notifications queue up meanwhile). Any func may be nil.
// The objects are the store's, shared and read-only: DeepCopy before
// changing one.
type Handler struct {
	// OnAdd receives an object that entered the store. initial is true for
	// the objects of the informer's first sync, and for the objects a
	// handler added later receives first, the store's content at that
	// moment; false for objects created (or newly matching) since.
	OnAdd func(obj *unstructured.Unstructured, initial bool)
	// OnUpdate receives an object that changed: the stored version it
	// replaced and the new one.
	OnUpdate func(old, obj *unstructured.Unstructured)
	// OnDelete receives an object that left the store: its last state
	// from the server when the watch saw it deleted, else the stored one
	// (a relist that no longer found it, or a kind that went away).
	OnDelete func(obj *unstructured.Unstructured)
}

type op uint8

const (
	opAdd op = iota
	opUpdate
	opDelete
)

// notification is one change for a handler.
type notification struct {
	op       op
	initial  bool
	old, obj *unstructured.Unstructured
}

// minQueue is the smallest capacity a listener's queue shrinks back to.
const minQueue = 64

// listener delivers the notifications of one Handler. It runs a goroutine
// only while it has something to deliver, so an informer at rest holds no
// goroutine per handler; the goroutine ends when the queue is empty and the
// next notification starts another.
type listener struct {
	h  Handler
	wg *sync.WaitGroup // the informer's: Stop waits for running listeners

	mu      sync.Mutex // guards the fields below
	buf     []notification
	head, n int  // the queue is buf[head:head+n], wrapping
	running bool // a goroutine is delivering
	removed bool // nothing more is delivered
}

// enqueue adds n to the queue and makes sure a goroutine delivers it.
func (l *listener) enqueue(nt notification) {
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

func (l *listener) push(nt notification) {
	if l.n == len(l.buf) {
		l.grow()
	}
	l.buf[(l.head+l.n)%len(l.buf)] = nt
	l.n++
}

func (l *listener) grow() {
	buf := make([]notification, max(minQueue, 2*len(l.buf)))
	for i := range l.n {
		buf[i] = l.buf[(l.head+i)%len(l.buf)]
	}
	l.buf, l.head = buf, 0
}

// next pops the next notification; ok is false when the queue is empty or
// the listener removed, and the goroutine must end.
func (l *listener) next() (notification, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.removed || l.n == 0 {
		l.running = false
		if len(l.buf) > minQueue {
			l.buf, l.head, l.n = nil, 0, 0 // a burst is over: give its buffer back
		}
		return notification{}, false
	}
	nt := l.buf[l.head]
	l.buf[l.head] = notification{}
	l.head = (l.head + 1) % len(l.buf)
	l.n--
	return nt, true
}

func (l *listener) run() {
	defer l.wg.Done()
	for {
		nt, ok := l.next()
		if !ok {
			return
		}
		l.deliver(nt)
	}
}

func (l *listener) deliver(nt notification) {
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
func (l *listener) remove() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removed = true
	l.buf, l.head, l.n = nil, 0, 0
}

func (l *listener) pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// listeners is an informer's set of listeners, published as an immutable
// slice so that the reflector reads it without a lock.
type listeners struct {
	mu   sync.Mutex // serializes changes of list
	list atomic.Pointer[[]*listener]
}

func (ls *listeners) snapshot() []*listener {
	if p := ls.list.Load(); p != nil {
		return *p
	}
	return nil
}

func (ls *listeners) add(l *listener) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	next := append(slices.Clip(ls.snapshot()), l)
	ls.list.Store(&next)
}

func (ls *listeners) drop(l *listener) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(ls.snapshot()), func(x *listener) bool { return x == l })
	ls.list.Store(&next)
}
