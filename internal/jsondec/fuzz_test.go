package jsondec

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
)

// FuzzUnmarshal decodes any input into a Pod, a Deployment, the sink of
// the unit tests and the recursive tree with Unmarshal and with
// sigs.k8s.io/json: both must fail, or both succeed with equal values.
func FuzzUnmarshal(f *testing.F) {
	for _, obj := range []any{testPod(1), testDeployment()} {
		data, err := json.Marshal(obj)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, doc := range []string{
		`{"str":"a\"\u00e9\ud83d\ude00","slice":[{"a":"1"},{}],"labels":{"k":"v"},"map":{"m":{"b":2}}}`,
		`{"pinner":null,"ppint":3,"bytes":"aGk=","any":[1,1.5,{"x":null}],"intMap":{"1":"a"},"quoted":"7"}`,
		`{"time":"2026-01-02T03:04:05Z","qty":"1Gi","ios":"50%","raw":{"a":1},"dur":"5s","str":"a","str":"b"}`,
		`{"i8":-128,"u16":65535,"f32":1.5e3,"i64":-9223372036854775808,"bool":true}`,
		`{"name":"r","kids":[{"kids":[{}],"children":{"a":{"next":{"name":"n"}}}},{}],"kids":[{"name":"again"}]}`,
		`{"kids":[{"kids":[{"kids":[{},,,,],,,,],,,,]}`,
		`{"str":"dup","STR":"case","Str":"variant","str":"last","inner":{"A":"x","a":"y"}}`,
		`{"i32":2147483648,"i64":1e2,"f64":1e400,"u8":256}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		same[corev1.Pod](t, data)
		same[appsv1.Deployment](t, data)
		same[sink](t, data)
		same[tree](t, data)
	})
}

func same[T any](t *testing.T, data []byte) {
	var got, want T
	errGot := Unmarshal(data, &got)
	errWant := kjson.UnmarshalCaseSensitivePreserveInts(data, &want)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("%T: Unmarshal: %v; sigs.k8s.io/json: %v\ninput: %q", got, errGot, errWant, data)
	}
	if errWant == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T decoded differently\ninput: %q\ngot:  %+v\nwant: %+v", got, data, got, want)
	}
}

func testPod(i int32) *corev1.Pod {
	started := metav1.NewTime(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "api-0", Namespace: "shop", UID: "0b7f5e2a", ResourceVersion: "2000000",
			CreationTimestamp: started, Labels: map[string]string{"app": "api"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api", UID: "5e0c", Controller: new(true)}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "api", Image: "example.com/api:2.14", Args: []string{"--port", "8080"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
			}},
			TerminationGracePeriodSeconds: new(int64(30)),
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.42.0.1",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "api", Ready: true, RestartCount: i,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}}},
	}
}

func testDeployment() *appsv1.Deployment {
	pod := testPod(0)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: pod.ObjectMeta,
		Spec: appsv1.DeploymentSpec{Replicas: new(int32(3)), Selector: &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: new(intstr.FromString("25%")), MaxUnavailable: new(intstr.FromInt32(1))}}},
	}
}
