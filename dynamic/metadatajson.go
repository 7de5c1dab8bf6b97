package dynamic

import (
	"fmt"

	"github.com/kdyn/kdyn/internal/jsondec"
)

// decodeMetadataJSON decodes a JSON PartialObjectMetadata(List) into obj
// in one pass, with the semantics of sigs.k8s.io/json's case-sensitive
// decoding that client-go's metadata client decodes with (internal/jsondec
// is checked against it). Each string is an allocation of its own, as
// with encoding/json: metadata is what informers keep for long, and a
// string sharing a chunk with those they drop (managedFields, interned
// labels) would keep them all alive. A panic of the decoder would be its
// bug: it is this call's error, not the end of the process.
func decodeMetadataJSON(data []byte, obj any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the JSON decoder panicked on this response (a bug): %v", r)
		}
	}()
	return jsondec.UnmarshalOwned(data, obj)
}
