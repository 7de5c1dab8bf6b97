package unstructured

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withoutManagedFields removes managedFields from every map that is the
// value of a "metadata" member, in place: what SkipManagedFields leaves out.
func withoutManagedFields(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if md, ok := e.(map[string]any); ok && k == "metadata" {
				delete(md, "managedFields")
			}
			withoutManagedFields(e)
		}
	case []any:
		for _, e := range x {
			withoutManagedFields(e)
		}
	}
	return v
}

const managedFields = `[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-11-27T09:00:00Z",
	"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:ports":{"k:{\"port\":80}":{}}},
	"f:data":{"f:x\u00e9\n":{}}, "n": [1, -2.5e3, true, false, null, [], {}, [[{}]]]}}]`

// TestSkipManagedFields: a Decoder that skips managedFields gives what the
// default decoding gives less metadata.managedFields, for objects, lists and
// watch events, and keeps a managedFields member anywhere else.
func TestSkipManagedFields(t *testing.T) {
	for name, doc := range map[string]string{
		"object":      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","managedFields":` + managedFields + `,"uid":"u"},"data":{"k":"v"}}`,
		"last member": `{"kind":"ConfigMap","metadata":{"name":"a","managedFields":` + managedFields + `}}`,
		"watch event": `{"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"managedFields":` + managedFields + `,"name":"a"}}}`,
		"elsewhere":   `{"kind":"X","spec":{"managedFields":[1,2]},"metadata":{"name":"a","annotations":{"managedFields":"kept"}}}`,
		"not a map":   `{"kind":"X","metadata":"managedFields","spec":{"metadata":{"managedFields":{}}}}`,
		"empty":       `{"kind":"X","metadata":{"managedFields":[]}}`,
		"null":        `{"kind":"X","metadata":{"managedFields":null, "name":"a"}}`,
		"duplicate":   `{"kind":"X","metadata":{"managedFields":[],"managedFields":[{}],"name":"a"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			want, err := DecodeValue([]byte(doc))
			require.NoError(t, err)
			var d Decoder
			d.SkipManagedFields(true)
			got, err := d.DecodeValue([]byte(doc))
			require.NoError(t, err)
			assert.Equal(t, withoutManagedFields(want), got)
			if name == "elsewhere" {
				assert.Contains(t, got.(map[string]any)["spec"], "managedFields")
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		doc := `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[` +
			`{"metadata":{"name":"a","managedFields":` + managedFields + `}},{"metadata":{"name":"b"}}]}`
		want, err := DecodeList([]byte(doc))
		require.NoError(t, err)
		var d Decoder
		d.SkipManagedFields(true)
		got, err := d.DecodeList([]byte(doc))
		require.NoError(t, err)
		for i := range want.Items {
			withoutManagedFields(want.Items[i].Object)
		}
		assert.Equal(t, want, got)
		assert.Equal(t, "ConfigMap", got.Items[0].GetKind())
	})
}

// TestSkipManagedFieldsErrors: a malformed managedFields is an error too.
func TestSkipManagedFieldsErrors(t *testing.T) {
	for _, bad := range []string{
		`[1,]`, `[{"a":}]`, `[{"a" 1}]`, `[{a:1}]`, `[{"a":1]`, `[{"a":1}`, `"unterminated`, `[01]`, `tru`,
		`[{"a":1},,{}]`, `{"a":1,}`, `[}`, `{]`, `[1 2]`, `[` + strings.Repeat("[", maxDepth) + `]`,
	} {
		doc := `{"kind":"X","metadata":{"managedFields":` + bad + `,"name":"a"}}`
		_, wantErr := DecodeValue([]byte(doc))
		require.Error(t, wantErr, bad)
		var d Decoder
		d.SkipManagedFields(true)
		_, err := d.DecodeValue([]byte(doc))
		assert.Error(t, err, bad)
	}
}

// FuzzSkipManagedFields checks SkipManagedFields against the default
// decoding on any input: both fail, or the skipping one gives the other's
// result less every metadata.managedFields.
func FuzzSkipManagedFields(f *testing.F) {
	f.Add([]byte(`{"kind":"X","metadata":{"name":"a","managedFields":` + managedFields + `}}`))
	f.Add([]byte(`{"items":[{"metadata":{"managedFields":[{"a":[1,{"b":"c\"d"}]}]}}],"kind":"XList"}`))
	f.Add([]byte(`{"metadata":{"managedFields":[[[[]]]],"metadata":{"managedFields":{}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := DecodeValue(data)
		var d Decoder
		d.SkipManagedFields(true)
		got, err := d.DecodeValue(data)
		if (wantErr == nil) != (err == nil) {
			t.Fatalf("%q: default error %v, skipping error %v", data, wantErr, err)
		}
		if err == nil && !assert.ObjectsAreEqual(withoutManagedFields(want), got) {
			t.Fatalf("%q: got %v, want %v", data, got, want)
		}
	})
}
