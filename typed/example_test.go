package typed_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/typed"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// A typed client for Deployments, on the fixture API server.
func Example() {
	cluster, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "k8s-1.37"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := fixture.NewServer(cluster)
	defer srv.Close()

	scheme := runtime.NewScheme()
	if err := appsv1.AddToScheme(scheme); err != nil {
		fmt.Println(err)
		return
	}
	cs, err := typed.NewForConfig(srv.Config(), scheme, typed.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	deploys, err := typed.For[*appsv1.Deployment, *appsv1.DeploymentList](cs)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	inDefault := deploys.Namespace("default")
	replicas := int32(1)
	labels := map[string]string{"app": "web"}
	_, err = inDefault.Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := inDefault.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Name, *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	// Output: web 3 nginx
}

// Backup is an operator's own CRD type: a plain Go struct registered in a
// scheme, with no generated clientset.
type Backup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              BackupSpec   `json:"spec,omitempty"`
	Status            BackupStatus `json:"status,omitempty"`
}

type BackupSpec struct {
	Schedule string `json:"schedule"`
}

type BackupStatus struct {
	LastRun string `json:"lastRun,omitempty"`
}

type BackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Backup `json:"items"`
}

func (b *Backup) DeepCopyObject() runtime.Object {
	out := *b
	b.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

func (l *BackupList) DeepCopyObject() runtime.Object {
	out := *l
	out.Items = make([]Backup, len(l.Items))
	for i := range l.Items {
		out.Items[i] = *l.Items[i].DeepCopyObject().(*Backup)
	}
	return &out
}

const backupCRD = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"backups.ops.example.com"},
 "spec":{"group":"ops.example.com","scope":"Namespaced",
  "names":{"plural":"backups","singular":"backup","kind":"Backup","listKind":"BackupList"},
  "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
   "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}`

// A typed client for a CRD's own Go type; the CRD is installed after the
// client is made, and found on the next call.
func Example_customResource() {
	cluster, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "k8s-1.37"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := fixture.NewServer(cluster)
	defer srv.Close()

	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(schema.GroupVersion{Group: "ops.example.com", Version: "v1"}, &Backup{}, &BackupList{})
	cs, err := typed.NewForConfig(srv.Config(), scheme, typed.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	backups, err := typed.For[*Backup, *BackupList](cs)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	rc, err := rest.NewClient(srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	err = rc.Post().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").Body(backupCRD).Do(ctx).Error()
	if err != nil {
		fmt.Println(err)
		return
	}

	nightly := backups.Namespace("default")
	b, err := nightly.Create(ctx, &Backup{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: BackupSpec{Schedule: "0 3 * * *"}}, metav1.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b.Status.LastRun = "2026-11-27T03:00:00Z"
	if _, err := nightly.UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	list, err := nightly.List(ctx, metav1.ListOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range list.Items {
		fmt.Println(b.Name, b.Spec.Schedule, b.Status.LastRun)
	}
	// Output: db 0 3 * * * 2026-11-27T03:00:00Z
}
