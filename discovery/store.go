package discovery

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"weak"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Store shares what Clients parse from discovery documents between them, by
// content: Clients given the same Store (Options.Store) that receive
// byte-equal documents share one parsed document, and Clients whose root
// documents are all equal share one view of groups and resources too. A
// fleet of clusters that serve the same API set then keeps it in memory
// once, not once per cluster; kdyn's restmapper shares its indexes on top
// (restmapper.Options.Store).
//
// Documents are keyed by the SHA-256 of their body, with their path and
// format, never by the server's ETag: one cluster could otherwise send
// another's ETag with a body of its own and have the others read it. Each
// Client still fetches and revalidates its documents itself, with its own
// ETags.
//
// The Store holds its entries weakly: an entry lives while a Client's
// snapshot uses it and is dropped once none does, so nothing of a Client
// that is gone stays reachable from the Store. A Store is safe for
// concurrent use; its zero value is not usable, call NewStore.
type Store struct {
	mu    sync.Mutex // guards docs, lists and views; never held during I/O
	docs  map[docKey]weak.Pointer[rootDoc]
	lists map[docKey]weak.Pointer[metav1.APIResourceList]
	views map[viewKey]weak.Pointer[view]
}

// docKey identifies a document by content.
type docKey struct {
	path   string
	format format
	sum    [sha256.Size]byte
}

// viewKey identifies a view by the two root documents it was built from.
type viewKey struct {
	core, apis weak.Pointer[rootDoc]
}

// view is what a snapshot derives from two aggregated root documents with
// no Stale entry: it depends on nothing else, so equal documents give equal
// views, which snapshots share.
type view struct {
	groups *metav1.APIGroupList
	listed map[schema.GroupVersion]bool
	gvs    map[schema.GroupVersion]*gvEntry
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		docs:  map[docKey]weak.Pointer[rootDoc]{},
		lists: map[docKey]weak.Pointer[metav1.APIResourceList]{},
		views: map[viewKey]weak.Pointer[view]{},
	}
}

// StoreStats counts what a Store holds.
type StoreStats struct {
	// Documents is the number of distinct root documents (/api, /apis).
	Documents int
	// ResourceLists is the number of distinct legacy group-version documents.
	ResourceLists int
	// Views is the number of distinct pairs of aggregated root documents.
	Views int
}

// Stats counts the entries still in use. Entries no Client uses any more
// are counted until the garbage collector has dropped them.
func (s *Store) Stats() StoreStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StoreStats{Documents: len(s.docs), ResourceLists: len(s.lists), Views: len(s.views)}
}

// root returns the parsed root document at path with body, shared with the
// Clients that received the same bytes; parse makes it when none has.
func (s *Store) root(path, contentType string, body []byte, parse func() (*rootDoc, []*InvalidEntryError, error)) (*rootDoc, []*InvalidEntryError, error) {
	if s == nil {
		return parse()
	}
	key := docKey{path: path, format: formatOf(contentType), sum: sha256.Sum256(body)}
	if doc := lookup(s, s.docs, key); doc != nil {
		return doc, doc.invalid, nil
	}
	doc, invalid, err := parse()
	if err != nil {
		return nil, nil, err
	}
	doc.invalid = invalid
	return remember(s, s.docs, key, doc), invalid, nil
}

// list returns the parsed legacy document of gv with body, shared with
// the Clients that received the same bytes; parse makes it when none has.
func (s *Store) list(gv schema.GroupVersion, body []byte, parse func() (*metav1.APIResourceList, error)) (*metav1.APIResourceList, error) {
	if s == nil {
		return parse()
	}
	key := docKey{path: gvPath(gv), sum: sha256.Sum256(body)}
	if l := lookup(s, s.lists, key); l != nil {
		return l, nil
	}
	l, err := parse()
	if err != nil {
		return nil, err
	}
	return remember(s, s.lists, key, l), nil
}

// viewOf returns the shared view of core and apis, calling build for one
// when there is none yet.
func (s *Store) viewOf(core, apis *rootDoc, build func() *view) *view {
	key := viewKey{core: weak.Make(core), apis: weak.Make(apis)}
	if v := lookup(s, s.views, key); v != nil {
		return v
	}
	return remember(s, s.views, key, build())
}

// lookup returns m's live entry for key, or nil.
func lookup[K comparable, V any](s *Store, m map[K]weak.Pointer[V], key K) *V {
	s.mu.Lock()
	defer s.mu.Unlock()
	return m[key].Value()
}

// remember makes v the entry of key unless another caller made one
// meanwhile, which is then returned instead. The entry is deleted once v
// is collected.
func remember[K comparable, V any](s *Store, m map[K]weak.Pointer[V], key K, v *V) *V {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := m[key].Value(); cur != nil {
		return cur
	}
	wp := weak.Make(v)
	m[key] = wp
	runtime.AddCleanup(v, func(key K) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if m[key] == wp {
			delete(m, key)
		}
	}, key)
	return v
}
