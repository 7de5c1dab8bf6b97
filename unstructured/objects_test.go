package unstructured

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// testPod builds a Pod as an API server returns it (~1 KB of JSON).
func testPod(i int) *corev1.Pod {
	ts := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, i%60, 0, time.UTC))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("web-7d9f8c6b5-%05d", i), Namespace: fmt.Sprintf("team-%d", i%7),
			UID:             types.UID(fmt.Sprintf("6c1e8a3e-1f0b-4c8e-9a51-%012d", i)),
			ResourceVersion: fmt.Sprint(100000 + i), CreationTimestamp: ts,
			Labels: map[string]string{"app": "web", "pod-template-hash": "7d9f8c6b5"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8c6b5",
				UID: "0d6a3a52-5b7e-4d0c-8f7e-2f1c5a9b8e11", Controller: ptr(true)}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "web", Image: "registry.example.com/web:1.27.3",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				},
				ImagePullPolicy: corev1.PullIfNotPresent,
			}},
			RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			NodeName: fmt.Sprintf("node-%03d", i%50), TerminationGracePeriodSeconds: ptr(int64(30)),
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.244.%d.%d", i/250%250, i%250),
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Ready: true, RestartCount: int32(i % 3), Image: "registry.example.com/web:1.27.3",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts}}}},
			QOSClass: corev1.PodQOSBurstable,
		},
	}
}

func testDeployment(i int) *appsv1.Deployment {
	pod := testPod(i)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default", Generation: 3, Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: pod.Spec},
		},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3},
	}
}

// testPodList returns the JSON of a PodList of n pods as an API server sends it:
// items without apiVersion and kind.
func testPodList(tb testing.TB, n int) []byte {
	tb.Helper()
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, ListMeta: metav1.ListMeta{ResourceVersion: "987654"}}
	for i := range n {
		list.Items = append(list.Items, *testPod(i))
	}
	data, err := json.Marshal(list)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func ptr[T any](v T) *T { return &v }
