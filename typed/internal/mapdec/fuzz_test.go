package mapdec

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	kunstructured "github.com/kdyn/kdyn/unstructured"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
)

// FuzzDecode converts any JSON object into a Pod, a Deployment and the
// sink of the unit tests, and expects what sigs.k8s.io/json decodes, or
// an error where it fails. The input is first written as an API server
// would write it (decoded into a map and encoded again), which removes the
// differences the package documents: duplicate keys, escapes, integers
// beyond int64.
func FuzzDecode(f *testing.F) {
	deploy, err := os.ReadFile("testdata/deployment.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(deploy)
	for _, doc := range []string{
		`{"str":"a\"\u00e9\ud83d\ude00","slice":[{"a":"1"},{}],"labels":{"k":"v"},"map":{"m":{"b":2}}}`,
		`{"pinner":null,"ppint":3,"bytes":"aGk=","any":[1,1.5,{"x":null}],"intMap":{"1":"a"},"quoted":{"n":"7"}}`,
		`{"time":"2026-01-02T03:04:05Z","qty":"1Gi","ios":"50%","raw":{"a":1},"dur":"5s","micro":"2026-01-02T03:04:05.000001Z"}`,
		`{"i8":-128,"u16":65535,"f32":1.5e3,"i64":-9223372036854775808,"bool":true}`,
		`{"spec":{"template":{"spec":{"containers":[{"ports":[{"containerPort":"80"}]}]}}}}`,
		`{"metadata":{"labels":{"a":null},"creationTimestamp":null},"spec":{"replicas":1.5}}`,
		`{"i32":2147483648,"i64":1e2,"f64":1e300,"u8":256,"qtys":{"cpu":true}}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var generic any
		if kjson.UnmarshalCaseSensitivePreserveInts(data, &generic) != nil {
			return
		}
		if _, ok := generic.(map[string]any); !ok {
			return
		}
		canonical, err := json.Marshal(generic)
		if err != nil {
			return
		}
		same[corev1.Pod](t, canonical)
		same[appsv1.Deployment](t, canonical)
		same[sink](t, canonical)
	})
}

func same[T any](t *testing.T, data []byte) {
	t.Helper()
	m, err := kunstructured.DecodeValue(data)
	if err != nil {
		t.Fatalf("kdyn's decoder refuses what encoding/json wrote: %v\n%s", err, data)
	}
	var got, want T
	var d Decoder
	errGot := d.Decode(m.(map[string]any), &got)
	errWant := kjson.UnmarshalCaseSensitivePreserveInts(data, &want)
	switch {
	case errWant != nil && errGot == nil:
		t.Fatalf("%T: sigs.k8s.io/json fails (%v), Decode does not\n%s", want, errWant, data)
	case errWant == nil && errGot != nil:
		t.Fatalf("%T: Decode fails (%v), sigs.k8s.io/json does not\n%s", want, errGot, data)
	case errWant == nil:
		gv, wv := reflect.ValueOf(&got), reflect.ValueOf(&want)
		canonicalRaw(gv)
		canonicalRaw(wv)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%T differs\n%s\nwant %#v\ngot  %#v", want, data, want, got)
		}
	}
}
