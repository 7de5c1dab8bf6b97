package dynamic

import (
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kdyn/kdyn/rest"
	kun "github.com/kdyn/kdyn/unstructured"
)

// WithoutManagedFields returns a Client that shares c's connections and
// settings but leaves metadata.managedFields out of the objects it decodes
// from JSON lists and watch events: they are scanned past, not built, which
// saves much of what decoding costs when, like an informer that drops them
// anyway, the caller has no use for them. Objects from other calls, and
// from CBOR responses, keep them.
func (c *Client) WithoutManagedFields() *Client {
	cp := *c
	cp.skipManagedFields = true
	return &cp
}

// eventDecoder returns the watch event decoder for c.
func (c *Client) eventDecoder(useCBOR bool) func(io.ReadCloser) rest.EventDecoder {
	if useCBOR || !c.skipManagedFields {
		return newEventDecoder(useCBOR)
	}
	return func(body io.ReadCloser) rest.EventDecoder {
		d := newJSONEventDecoder(body).(*jsonEventDecoder)
		d.dec.SkipManagedFields(true)
		return d
	}
}

// decodeList decodes a list response as the package's decodeList does,
// leaving managedFields out of a JSON list's items when c says so.
func (c *Client) decodeList(data []byte, contentType string) (*unstructured.UnstructuredList, error) {
	if !c.skipManagedFields || isCBOR(contentType) {
		return decodeList(data, contentType)
	}
	var d kun.Decoder
	d.SkipManagedFields(true)
	l, err := d.DecodeList(data)
	if err != nil {
		return nil, fmt.Errorf("dynamic: decode list response: %w", err)
	}
	return l, nil
}
