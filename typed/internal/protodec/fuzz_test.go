package protodec

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// FuzzUnmarshal decodes any input as a Pod, a Deployment, a ConfigMap, a
// SelfSubjectReview and a ResourceSlice (maps of structs) with Unmarshal
// and with their generated Unmarshal: both must fail, or both succeed with
// equal values. It also decodes it as the recursive types of the tests,
// which have no generated code: that must not panic.
func FuzzUnmarshal(f *testing.F) {
	for _, obj := range []marshaler{testPod(), testDeployment(), testConfigMap(), testReview(), testSlice(),
		&corev1.PodList{Items: []corev1.Pod{*testPod(), *testPod()}}} {
		data, err := obj.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range hostileSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		same[corev1.Pod](t, data)
		same[appsv1.Deployment](t, data)
		same[corev1.ConfigMap](t, data)
		same[authenticationv1.SelfSubjectReview](t, data)
		same[resourcev1.ResourceSlice](t, data)
		_ = Unmarshal(data, &tree{})
		_ = Unmarshal(data, &chain{})
	})
}

// hostileSeeds are inputs of the shapes the fixes of hostile_test.go are
// about.
func hostileSeeds() [][]byte {
	tr := tree{Name: "r", Children: map[string]tree{"a": {Name: "A", Children: map[string]tree{"x": {Name: "X"}}}}}
	entry := appendField(nil, 1, []byte("cpu"))
	entry = appendField(entry, 2, appendField(nil, 1, []byte("1")))
	entry = appendField(entry, 2, nil)
	return [][]byte{
		encodeTree(&tr, "a"),
		nest(64),
		// A pod's first container's resources, limits holding cpu twice.
		appendField(nil, 2, appendField(nil, 2, appendField(nil, 8, appendField(nil, 1, entry)))),
		append(appendField(nil, 3, appendField(nil, 3, []byte{0x80})), appendField(nil, 3, nil)...),
	}
}

func same[T any](t *testing.T, data []byte) {
	var got, want T
	errGot := Unmarshal(data, &got)
	errWant := any(&want).(unmarshaler).Unmarshal(data)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("%T: Unmarshal: %v; generated: %v\ninput: %q", got, errGot, errWant, data)
	}
	if errWant == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T decoded differently\ninput: %q\ngot:  %+v\nwant: %+v", got, data, got, want)
	}
}

func testPod() *corev1.Pod {
	started := metav1.NewTime(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api-0", Namespace: "shop", UID: "0b7f5e2a", ResourceVersion: "2000000",
			CreationTimestamp: started, Labels: map[string]string{"app": "api"}, Finalizers: []string{"f"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api", UID: "5e0c", Controller: new(true)}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "api", Image: "example.com/api:2.14", Args: []string{"--port", "8080"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
			}},
			SecurityContext:               &corev1.PodSecurityContext{SupplementalGroups: []int64{1, 2}, RunAsUser: new(int64(1000))},
			TerminationGracePeriodSeconds: new(int64(30)),
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.42.0.1",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "api", Ready: true, RestartCount: 2,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}}},
	}
}

func testDeployment() *appsv1.Deployment {
	pod := testPod()
	return &appsv1.Deployment{
		ObjectMeta: pod.ObjectMeta,
		Spec: appsv1.DeploymentSpec{Replicas: new(int32(3)), Selector: &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: new(intstr.FromString("25%")), MaxUnavailable: new(intstr.FromInt32(1))}}},
	}
}

func testConfigMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"a": "1", "b": ""},
		BinaryData: map[string][]byte{"bin": {0, 1, 2}, "empty": {}}, Immutable: new(true)}
}

func testSlice() *resourcev1.ResourceSlice {
	return &resourcev1.ResourceSlice{ObjectMeta: metav1.ObjectMeta{Name: "node-0-gpu"}, Spec: resourcev1.ResourceSliceSpec{
		Driver: "gpu.example.com", Pool: resourcev1.ResourcePool{Name: "node-0", ResourceSliceCount: 1},
		Devices: []resourcev1.Device{{Name: "gpu-0",
			Attributes: map[resourcev1.QualifiedName]resourcev1.DeviceAttribute{"model": {StringValue: new("a100")}, "cores": {IntValue: new(int64(6912))}},
			Capacity:   map[resourcev1.QualifiedName]resourcev1.DeviceCapacity{"memory": {Value: resource.MustParse("40Gi")}}}}}}
}

func testReview() *authenticationv1.SelfSubjectReview {
	return &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{UserInfo: authenticationv1.UserInfo{
		Username: "u", Groups: []string{"g"}, Extra: map[string]authenticationv1.ExtraValue{"k": {"v1", "v2"}, "e": {}}}}}
}
