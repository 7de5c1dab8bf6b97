// Package unstructured is kdyn's codec and helpers over apimachinery's
// *unstructured.Unstructured and *unstructured.UnstructuredList.
//
// Decode turns JSON straight into the maps of those types in a single pass
// without reflection, with exactly the values apimachinery's
// UnstructuredJSONScheme produces: integers as int64, other numbers as
// float64, map[string]any, []any, string, bool and nil. A Decoder does the
// same for a stream of documents such as watch events, and JSONScheme plugs
// the decoder in wherever apimachinery wants a runtime.Codec. DecodeCBOR
// does the same for CBOR through apimachinery's CBOR serializer. Get and Set read and
// write nested fields with a type parameter, ToTyped and FromTyped convert to
// and from typed API structs, and ToApplyConfiguration turns a live object
// into a server-side apply request body.
package unstructured
