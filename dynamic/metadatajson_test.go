package dynamic

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// TestDecodeMetadataJSONAsApimachinery: the one-pass decoder gives what
// apimachinery's JSON decoding gives client-go's metadata client, on
// documents with what differs between JSON decoders: keys in another case
// (dropped), duplicate keys (the last wins), unknown fields, nulls,
// escapes, managedFields and owner references.
func TestDecodeMetadataJSONAsApimachinery(t *testing.T) {
	docs := map[string]string{
		"list": `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"12","continue":"c"},
			"items":[{"metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"10","generation":2,
				"creationTimestamp":"2026-11-27T09:00:00Z","labels":{"app":"web","t\u00e9":"x"},"annotations":null,
				"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u0","controller":true}],
				"finalizers":["f"],"managedFields":[{"manager":"m","operation":"Apply","apiVersion":"v1","time":"2026-11-27T09:00:00Z",
				"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{}}}}]}},
				{"metadata":{"name":"b","name":"b2","Name":"ignored","unknown":{"x":[1,2]}}}]}`,
		"object": `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"p","deletionTimestamp":"2026-11-27T09:00:00Z","deletionGracePeriodSeconds":30}}`,
		"empty":  `{}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var want, got metav1.PartialObjectMetadataList
			if name == "object" {
				var w, g metav1.PartialObjectMetadata
				require.NoError(t, utiljson.Unmarshal([]byte(doc), &w))
				require.NoError(t, decodeMetadataJSON([]byte(doc), &g))
				assert.Equal(t, w, g)
				return
			}
			require.NoError(t, utiljson.Unmarshal([]byte(doc), &want))
			require.NoError(t, decodeMetadataJSON([]byte(doc), &got))
			assert.Equal(t, want, got)
			var sized sizedList // what List decodes into: the list embedded
			require.NoError(t, decodeMetadataJSON([]byte(doc), &sized))
			assert.Equal(t, want, sized.PartialObjectMetadataList)
		})
	}
	for _, bad := range []string{`{`, `{"items":[{"metadata":{"name":1}}]}`, `{"items":{}}`, `[]`} {
		var want, got metav1.PartialObjectMetadataList
		wantErr := utiljson.Unmarshal([]byte(bad), &want)
		gotErr := decodeMetadataJSON([]byte(bad), &got)
		assert.Equal(t, wantErr != nil, gotErr != nil, "%s: %v vs %v", bad, wantErr, gotErr)
	}
}
