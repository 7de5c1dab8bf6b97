package dynamic

import (
	kun "github.com/kdyn/kdyn/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// EncodeForTest encodes u as CBOR, as a server answering in CBOR would.
func EncodeForTest(u *unstructured.Unstructured) ([]byte, error) { return kun.EncodeCBOR(u) }
