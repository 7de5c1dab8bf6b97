package bench

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// pod is a Pod of a Deployment as an API server returns it, about 1 KB of
// JSON: labels, an owner reference, one container with ports and requests,
// and a running status.
func pod(i int) corev1.Pod {
	started := metav1.NewTime(time.Date(2026, 11, 27, 9, i%60, 0, 0, time.UTC))
	controller := true
	grace := int64(30)
	image := "example.com/api:2.14"
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:              fmt.Sprintf("api-6f7c9d8b4-%05d", i),
			Namespace:         fmt.Sprintf("shop-%d", i%5),
			UID:               types.UID(fmt.Sprintf("0b7f5e2a-93c1-4d2e-a6b8-%012d", i)),
			ResourceVersion:   fmt.Sprint(2000000 + i),
			CreationTimestamp: started,
			Labels:            map[string]string{"app": "api", "pod-template-hash": "6f7c9d8b4"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
				Name: "api-6f7c9d8b4", UID: "5e0c2d7a-1b3f-4e8a-9c6d-7f2a1b0c9d8e", Controller: &controller}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "api", Image: image,
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
				ImagePullPolicy: corev1.PullIfNotPresent,
			}},
			RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			NodeName: fmt.Sprintf("worker-%03d", i%40), TerminationGracePeriodSeconds: &grace,
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.42.%d.%d", i/200%200, i%200),
			QOSClass: corev1.PodQOSBurstable,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "api", Ready: true, Image: image,
				RestartCount: int32(i % 4), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}},
		},
	}
}

// podListJSON is a PodList of n pods as the API server sends it: items
// without apiVersion and kind.
func podListJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	l := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "2999999"}}
	for i := range n {
		l.Items = append(l.Items, pod(i))
	}
	data, err := json.Marshal(l)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// podEventsJSON is a watch stream of n events, one JSON object per line,
// as the API server sends it.
func podEventsJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	var out []byte
	types := []string{"ADDED", "MODIFIED", "MODIFIED", "DELETED"}
	for i := range n {
		p := pod(i)
		p.APIVersion, p.Kind = "v1", "Pod"
		ev, err := json.Marshal(struct {
			Type   string     `json:"type"`
			Object corev1.Pod `json:"object"`
		}{types[i%len(types)], p})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(append(out, ev...), '\n')
	}
	return out
}
