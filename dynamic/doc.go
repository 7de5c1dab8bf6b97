// Package dynamic is kdyn's client for any resource by GroupVersionResource,
// with objects as apimachinery's *unstructured.Unstructured.
//
// Its method set follows client-go's dynamic client, so moving over is
// mechanical: Resource(gvr).Namespace(ns).Get/List/Watch/Create/Update/
// UpdateStatus/Patch/Apply/ApplyStatus/Delete/DeleteCollection, subresources
// as trailing names. Beyond it: All pages through a list as an iterator,
// ResumingWatch reconnects from the last seen resourceVersion, WatchList
// streams a consistent initial state, Table asks for the server's table
// view, Options.CBOR negotiates CBOR with a per-resource fallback to JSON,
// and Mapped resolves kinds through a RESTMapper.
//
// Metadata is the metadata-only mode of the same Client (client-go's
// metadata client as a mode, not a second client): Get, List, Watch, Patch,
// Delete and DeleteCollection return *metav1.PartialObjectMetadata(List),
// asked for in protobuf first and decoded with apimachinery's protobuf
// serializer, for built-in kinds and custom resources alike;
// Mapped.MetadataForKind reaches them by kind.
//
// JSON responses decode through kdyn's single-pass decoder
// (github.com/kdyn/kdyn/unstructured), which gives the values apimachinery's
// decoder gives, several times faster.
package dynamic
