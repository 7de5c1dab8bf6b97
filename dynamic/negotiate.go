package dynamic

import (
	"fmt"
	"mime"

	kun "github.com/kdyn/kdyn/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	mediaJSON    = runtime.ContentTypeJSON
	mediaCBOR    = runtime.ContentTypeCBOR
	mediaCBORSeq = runtime.ContentTypeCBORSequence
	// mediaTable asks for the server's table view, as kubectl does, falling
	// back to the plain list from servers without one.
	mediaTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)

// wantCBOR reports whether requests for this resource should try CBOR.
func (r *resource) wantCBOR() bool {
	return r.c.opts.CBOR && !r.c.json.has(r.gvr)
}

// acceptFor returns the Accept header for a response format. A CBOR watch
// asks for application/cbor too: kube-apiserver answers that with an
// application/cbor-seq stream and refuses an Accept of cbor-seq with 406
// (seen on v1.37.2 in the e2e tests).
func acceptFor(useCBOR bool) string {
	if useCBOR {
		return mediaCBOR
	}
	return mediaJSON
}

func isCBOR(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == mediaCBOR || mt == mediaCBORSeq)
}

// decodeObject decodes a response body in its Content-Type.
func decodeObject(data []byte, contentType string) (*unstructured.Unstructured, error) {
	if isCBOR(contentType) {
		u := &unstructured.Unstructured{}
		if _, _, err := kun.CBORScheme.Decode(data, nil, u); err != nil {
			return nil, fmt.Errorf("dynamic: decode CBOR response: %w", err)
		}
		return u, nil
	}
	u, err := kun.DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("dynamic: decode response: %w", err)
	}
	return u, nil
}

// decodeList decodes a list response body in its Content-Type; its items
// carry apiVersion and kind.
func decodeList(data []byte, contentType string) (*unstructured.UnstructuredList, error) {
	var (
		l   *unstructured.UnstructuredList
		err error
	)
	if isCBOR(contentType) {
		l, err = kun.DecodeCBORList(data)
	} else {
		l, err = kun.DecodeList(data)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamic: decode list response: %w", err)
	}
	return l, nil
}

func encodeCBOR(u *unstructured.Unstructured) ([]byte, error) {
	data, err := kun.EncodeCBOR(u)
	if err != nil {
		return nil, fmt.Errorf("dynamic: encode %s: %w", u.GetKind(), err)
	}
	return data, nil
}
