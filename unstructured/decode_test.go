package unstructured

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// reference decodes with apimachinery, the behaviour Decode must match.
func reference(data []byte) (runtime.Object, error) {
	return runtime.Decode(unstructured.UnstructuredJSONScheme, data)
}

// requireSame checks that Decode and apimachinery agree: the same objects or
// both an error.
func requireSame(t testing.TB, data []byte) {
	want, wantErr := reference(data)
	got, gotErr := Decode(data)
	if wantErr != nil || gotErr != nil {
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("error mismatch for %q:\napimachinery: %v\nkdyn:         %v", data, wantErr, gotErr)
		}
		return
	}
	if !assert.ObjectsAreEqual(want, got) {
		t.Fatalf("objects differ for %q:\napimachinery: %#v\nkdyn:         %#v", data, want, got)
	}
}

func TestDecodeMatchesApimachinery(t *testing.T) {
	cases := map[string]string{
		"object":              `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`,
		"numbers":             `{"kind":"K","i":1,"neg":-7,"zero":-0,"f":1.5,"e":1e3,"E":2E-2,"big":12345678901234567890,"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808,"frac0":1.0}`,
		"float overflow":      `{"kind":"K","x":1e400}`,
		"nested":              `{"kind":"K","a":[1,[2,[3,{}]],[]],"b":{"c":{"d":null}},"t":true,"f":false}`,
		"duplicate keys":      `{"kind":"K","a":1,"a":{"b":2},"kind":"L"}`,
		"escapes":             `{"kind":"K","s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00"}`,
		"lone surrogates":     `{"kind":"K","s":"\ud800x\udc00\ud800\ud800\udc00\ud83d"}`,
		"escaped key":         `{"kind":"K","\u0069tems":[]}`,
		"invalid utf8":        "{\"kind\":\"K\",\"s\":\"a\xffb\xc3\",\"\xfe\":\"\xed\xa0\x80\"}",
		"invalid utf8 escape": "{\"kind\":\"K\",\"s\":\"\xff\\n\xe2\x82\"}",
		"whitespace":          " \t\r\n{ \"kind\" : \"K\" , \"a\" : [ 1 , 2 ] }\n",
		"missing kind":        `{"apiVersion":"v1"}`,
		"kind not string":     `{"kind":5}`,
		"bad apiVersion":      `{"kind":"K","apiVersion":"a/b/c"}`,
		"null":                `null`,
		"array":               `[{"kind":"K"}]`,
		"string":              `"x"`,
		"empty":               ``,
		"trailing":            `{"kind":"K"} x`,
		"trailing comma":      `{"kind":"K",}`,
		"single quote esc":    `{"kind":"K","s":"\'"}`,
		"control char":        "{\"kind\":\"K\",\"s\":\"\x01\"}",
		"leading zero":        `{"kind":"K","n":01}`,
		"bare minus":          `{"kind":"K","n":-}`,
		"dot no digits":       `{"kind":"K","n":1.}`,
		"exp no digits":       `{"kind":"K","n":1e}`,
		"truncated":           `{"kind":"K","a":[1,2`,
		"bad literal":         `{"kind":"K","a":tru}`,
		"list":                `{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a"}},{"kind":"Pod"},{"apiVersion":"x/v1"},{"kind":7},null]}`,
		"list null items":     `{"apiVersion":"v1","kind":"PodList","items":null}`,
		"list empty items":    `{"apiVersion":"v1","kind":"List","items":[]}`,
		"list items object":   `{"kind":"List","items":{}}`,
		"list item number":    `{"kind":"List","items":[1]}`,
		"list dup items":      `{"kind":"List","items":5,"items":[{"a":1}]}`,
		"list no kind":        `{"items":[]}`,
		"list kind not list":  `{"kind":"Thing","apiVersion":"g/v1","items":[{}]}`,
		"deep":                `{"kind":"K","a":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}`,
		"too deep":            `{"kind":"K","a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			requireSame(t, []byte(data))
		})
	}
}

func TestDecodeRealObjects(t *testing.T) {
	deploy, err := json.Marshal(testDeployment(1))
	require.NoError(t, err)
	pod := testPod(2)
	pod.APIVersion, pod.Kind = "v1", "Pod"
	podJSON, err := json.Marshal(pod)
	require.NoError(t, err)
	cases := map[string][]byte{
		"deployment": deploy,
		"pod":        podJSON,
		"pod list":   testPodList(t, 20),
		"large list": testPodList(t, 200), // above minBoxedDoc: repeated values share boxes
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			requireSame(t, data)
		})
	}
}

// TestDecodeRecordedDocuments decodes every document recorded from real API
// servers under /work/shared/fixtures and the repository's recorded clusters.
func TestDecodeRecordedDocuments(t *testing.T) {
	var files []string
	for _, pattern := range []string{"/work/shared/fixtures/*/*.json", "/work/shared/fixtures/*/*/*.json", "../testdata/clusters/*/*.json", "../testdata/clusters/*/*/*.json", "../testdata/clusters/*/*/*/*.json"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files, "no recorded documents found")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			requireSame(t, data)
		})
	}
}

func TestDecodeObjectAndList(t *testing.T) {
	data := []byte(`{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a"}}]}`)
	t.Run("object keeps items", func(t *testing.T) {
		u, err := DecodeObject(data)
		require.NoError(t, err)
		want := &unstructured.Unstructured{}
		_, _, err = unstructured.UnstructuredJSONScheme.Decode(data, nil, want)
		require.NoError(t, err)
		assert.Equal(t, want, u)
	})
	t.Run("list", func(t *testing.T) {
		l, err := DecodeList(data)
		require.NoError(t, err)
		require.Len(t, l.Items, 1)
		assert.Equal(t, "Pod", l.Items[0].GetKind())
		assert.Equal(t, "v1", l.Items[0].GetAPIVersion())
	})
	t.Run("list without items", func(t *testing.T) {
		l, err := DecodeList([]byte(`{"apiVersion":"v1","kind":"PodList"}`))
		require.NoError(t, err)
		assert.NotNil(t, l.Items)
		assert.Empty(t, l.Items)
	})
	t.Run("errors", func(t *testing.T) {
		for _, bad := range []string{`{"apiVersion":"v1"}`, `[]`, `{`} {
			_, err := DecodeObject([]byte(bad))
			assert.Error(t, err, bad)
			_, err = DecodeList([]byte(bad))
			assert.Error(t, err, bad)
		}
	})
}

func TestJSONSchemeInto(t *testing.T) {
	data := testPodList(t, 3)
	for name, into := range map[string]runtime.Object{
		"list":   &unstructured.UnstructuredList{},
		"object": &unstructured.Unstructured{},
		"nil":    nil,
	} {
		t.Run(name, func(t *testing.T) {
			var want runtime.Object
			if into != nil {
				want = into.DeepCopyObject()
			}
			wantObj, wantGVK, wantErr := unstructured.UnstructuredJSONScheme.Decode(data, nil, want)
			gotObj, gotGVK, gotErr := JSONScheme.Decode(data, nil, into)
			require.NoError(t, wantErr)
			require.NoError(t, gotErr)
			assert.Equal(t, wantObj, gotObj)
			assert.Equal(t, wantGVK, gotGVK)
		})
	}
}

func TestDecoderStream(t *testing.T) {
	docs := []string{
		`{"kind":"Pod","status":{"phase":"Running"},"tags":["a","b","Running"]}`,
		`{"kind":"Pod","status":{"phase":"Running"},"n":[1,2.5,"x\u00e9"]}`,
		`{"kind":"Pod",`,
		`{"kind":"Pod","status":{"phase":"Pending"}}`,
	}
	var d Decoder
	for _, doc := range docs {
		buf := []byte(doc)
		want, wantErr := DecodeValue(buf)
		got, gotErr := d.DecodeValue(buf)
		assert.Equal(t, wantErr == nil, gotErr == nil, doc)
		assert.Equal(t, want, got, doc)
		for i := range buf {
			buf[i] = 'X' // decoded values must not alias the input
		}
		assert.Equal(t, want, got, doc)
	}
}
