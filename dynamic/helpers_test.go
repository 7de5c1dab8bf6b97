package dynamic

import (
	kun "github.com/kdyn/kdyn/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// cborOf encodes an unstructured object or list as a server answering in
// CBOR would.
func cborOf(obj runtime.Object) []byte { return must(kun.EncodeCBOR(obj)) }
