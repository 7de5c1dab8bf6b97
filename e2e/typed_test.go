package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
	"github.com/kdyn/kdyn/typed"
)

// typedWidget is the Go type of the base Widget CRD (testdata/crds), as an
// operator writes it: a plain struct, no generated code, no protobuf.
type typedWidget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              typedWidgetSpec   `json:"spec,omitempty"`
	Status            typedWidgetStatus `json:"status,omitempty"`
}

type typedWidgetSpec struct {
	Replicas *int64 `json:"replicas,omitempty"`
	Color    string `json:"color,omitempty"`
	Size     string `json:"size,omitempty"`
}

type typedWidgetStatus struct {
	Replicas int64  `json:"replicas,omitempty"`
	Selector string `json:"selector,omitempty"`
	Phase    string `json:"phase,omitempty"`
}

type typedWidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []typedWidget `json:"items"`
}

func (w *typedWidget) DeepCopyObject() runtime.Object {
	out := *w
	w.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if w.Spec.Replicas != nil {
		out.Spec.Replicas = new(*w.Spec.Replicas)
	}
	return &out
}

func (l *typedWidgetList) DeepCopyObject() runtime.Object {
	out := *l
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	out.Items = make([]typedWidget, len(l.Items))
	for i := range l.Items {
		out.Items[i] = *l.Items[i].DeepCopyObject().(*typedWidget)
	}
	return &out
}

var widgetGVv1 = schema.GroupVersion{Group: widgetsV1.Group, Version: widgetsV1.Version}

func typedScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	require.NoError(t, appsv1.AddToScheme(s))
	require.NoError(t, corev1.AddToScheme(s))
	s.AddKnownTypeWithName(widgetGVv1.WithKind("Widget"), &typedWidget{})
	s.AddKnownTypeWithName(widgetGVv1.WithKind("WidgetList"), &typedWidgetList{})
	metav1.AddToGroupVersion(s, widgetGVv1)
	return s
}

// newTyped returns a kdyn typed Clientset for srv, with kdyn's mapper, and
// the counter of its requests.
func newTyped(t *testing.T, opts typed.Options) (*typed.Clientset, *counter) {
	t.Helper()
	cfg, count := countedConfigFor(t, srv)
	return typed.New(mustREST(t, cfg), mapperFor(t, cfg), typedScheme(t), opts), count
}

// mediaTypes returns the media types of the responses to requests under
// prefix, each once.
func mediaTypes(reqs []seen, prefix string) []string {
	var out []string
	for _, r := range reqs {
		mt, _, _ := strings.Cut(r.ContentType, ";")
		if strings.HasPrefix(r.Path, prefix) && !slices.Contains(out, mt) {
			out = append(out, mt)
		}
	}
	return out
}

func mustREST(t *testing.T, cfg *rest.Config) *rest.Client {
	t.Helper()
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	return rc
}

func mapperFor(t *testing.T, cfg *rest.Config) *restmapper.Mapper {
	t.Helper()
	dc, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	return restmapper.New(dc, restmapper.Options{})
}

// clientset is client-go's Clientset in one content type.
func clientset(t *testing.T, contentType string) *kubernetes.Clientset {
	t.Helper()
	cfg := srv.ClientGoConfig()
	cfg.ContentType = contentType
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

func typedDeployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Image: "registry.k8s.io/pause:3.10"},
					{Name: "sidecar", Image: "registry.k8s.io/pause:3.10"},
				}},
			},
		},
	}
}

// applyJSON is an apply configuration given as JSON.
type applyJSON string

func (applyJSON) IsApplyConfiguration()          {}
func (a applyJSON) MarshalJSON() ([]byte, error) { return []byte(a), nil }

var typedFormats = map[string]struct {
	opts        typed.Options
	contentType string // of the client-go Clientset compared with
}{
	"json":     {typed.Options{}, "application/json"},
	"protobuf": {typed.Options{Protobuf: true}, "application/vnd.kubernetes.protobuf"},
}

// TestTypedDeploymentsLikeClientset runs every verb on Deployments through
// kdyn's typed client, in JSON and in protobuf, and checks each answer
// against what client-go's Clientset, in the same format, returns for the
// same object: the same Go value, field for field.
func TestTypedDeploymentsLikeClientset(t *testing.T) {
	for name, f := range typedFormats {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			ns := newNamespace(t, srv, "e2e-typed")
			tcs, count := newTyped(t, f.opts)
			deploys, err := typed.For[*appsv1.Deployment, *appsv1.DeploymentList](tcs)
			require.NoError(t, err)
			deploys = deploys.Namespace(ns)
			cg := clientset(t, f.contentType).AppsV1().Deployments(ns)
			compared := 0
			same := func(got *appsv1.Deployment, err error) *appsv1.Deployment {
				t.Helper()
				require.NoError(t, err)
				want, err := cg.Get(ctx, got.Name, metav1.GetOptions{ResourceVersion: got.ResourceVersion})
				require.NoError(t, err)
				if want.ResourceVersion == got.ResourceVersion { // unchanged since
					assert.Equal(t, want, got)
					compared++
				}
				return got
			}

			created := same(deploys.Create(ctx, typedDeployment("web", 1), metav1.CreateOptions{}))
			got := same(deploys.Get(ctx, "web", metav1.GetOptions{}))
			assert.Equal(t, created, got)
			assert.Empty(t, got.Kind, "apiVersion and kind are left empty, as by the Clientset")

			_, err = deploys.Get(ctx, "nope", metav1.GetOptions{})
			_, cgErr := cg.Get(ctx, "nope", metav1.GetOptions{})
			require.True(t, apierrors.IsNotFound(err), "%v", err)
			st := err.(*apierrors.StatusError).ErrStatus
			st.TypeMeta = metav1.TypeMeta{} // kdyn's rest keeps the Status's apiVersion and kind
			assert.Equal(t, cgErr.(*apierrors.StatusError).ErrStatus, st, "the Status of the Clientset's error")
			_, err = deploys.Create(ctx, typedDeployment("web", 1), metav1.CreateOptions{})
			assert.True(t, apierrors.IsAlreadyExists(err), "%v", err)

			got.Labels["tier"] = "front"
			updated := same(deploys.Update(ctx, got, metav1.UpdateOptions{}))
			assert.Equal(t, "front", updated.Labels["tier"])
			_, err = deploys.Update(ctx, got, metav1.UpdateOptions{})
			assert.True(t, apierrors.IsConflict(err), "stale resourceVersion: %v", err)

			updated.Status.ObservedGeneration = updated.Generation
			status := same(deploys.UpdateStatus(ctx, updated, metav1.UpdateOptions{}))
			assert.Equal(t, updated.Generation, status.Status.ObservedGeneration)

			p := same(deploys.Patch(ctx, "web", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/replicas","value":3}]`), metav1.PatchOptions{}))
			assert.Equal(t, int32(3), *p.Spec.Replicas)
			p = same(deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"annotations":{"merge":"yes"}}}`), metav1.PatchOptions{}))
			assert.Equal(t, "yes", p.Annotations["merge"])
			p = same(deploys.Patch(ctx, "web", types.StrategicMergePatchType,
				[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:3.11"}]}}}}`), metav1.PatchOptions{}))
			require.Len(t, p.Spec.Template.Spec.Containers, 2, "a strategic merge patch merges containers by name")
			assert.Equal(t, "registry.k8s.io/pause:3.11", p.Spec.Template.Spec.Containers[0].Image)
			_, err = deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":4}}`), metav1.PatchOptions{}, "scale")
			assert.ErrorContains(t, err, "the server sent a Scale where a Deployment was expected")

			// Server-side apply: a typed object, client-go's apply
			// configuration, and raw JSON, each with its own manager.
			applied := same(deploys.Apply(ctx, typed.ApplyConfigurationOf(typedDeployment("api", 2)), metav1.ApplyOptions{FieldManager: "e2e"}))
			assert.Equal(t, int32(2), *applied.Spec.Replicas)
			_, err = deploys.Apply(ctx, appsv1ac.Deployment("api", ns).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(5)),
				metav1.ApplyOptions{FieldManager: "scaler"})
			assert.True(t, apierrors.IsConflict(err), "replicas are e2e's: %v", err)
			applied = same(deploys.Apply(ctx, appsv1ac.Deployment("api", ns).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(5)),
				metav1.ApplyOptions{FieldManager: "scaler", Force: true}))
			assert.Equal(t, int32(5), *applied.Spec.Replicas)
			applied = same(deploys.ApplyStatus(ctx, applyJSON(`{"metadata":{"name":"api"},"status":{"observedGeneration":9}}`),
				metav1.ApplyOptions{FieldManager: "status", Force: true}))
			assert.Equal(t, int64(9), applied.Status.ObservedGeneration)

			// Lists, one response and paged, equal the Clientset's.
			list, err := deploys.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			want, err := cg.List(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
			require.NoError(t, err)
			assert.Equal(t, want, list)
			require.Len(t, list.Items, 2)
			var paged []appsv1.Deployment
			for d, err := range deploys.All(ctx, metav1.ListOptions{Limit: 1}) {
				require.NoError(t, err)
				paged = append(paged, *d)
			}
			assert.Equal(t, want.Items, paged)

			// Watches from the same resourceVersion see the same events.
			w, err := deploys.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			require.NoError(t, err)
			defer w.Stop()
			cw, err := cg.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			require.NoError(t, err)
			defer cw.Stop()
			same(deploys.Patch(ctx, "api", types.MergePatchType, []byte(`{"metadata":{"labels":{"watched":"yes"}}}`), metav1.PatchOptions{}))
			require.NoError(t, deploys.Delete(ctx, "web", metav1.DeleteOptions{}))
			for _, typ := range []watch.EventType{watch.Modified, watch.Deleted} {
				ev, cev := nextEvent(t, w.ResultChan(), typ), nextEvent(t, cw.ResultChan(), typ)
				require.IsType(t, &appsv1.Deployment{}, ev.Object)
				assert.Equal(t, cev.Object, ev.Object, "%s event", typ)
			}

			_, err = deploys.Get(ctx, "web", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "%v", err)
			require.NoError(t, deploys.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=api"}))
			left, err := cg.List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			assert.Empty(t, left.Items)
			assert.GreaterOrEqual(t, compared, 10, "answers compared with the Clientset's")
			mt, _, _ := strings.Cut(f.contentType, ";")
			assert.Equal(t, []string{mt}, mediaTypes(count.take(), "/apis/apps/v1/namespaces/"+ns+"/"), "what the server answered in")
		})
	}
}

// widgetREST is what a generated clientset for typedWidget does underneath:
// client-go's REST client with the scheme's codecs.
func widgetREST(t *testing.T) *restclient.RESTClient {
	t.Helper()
	cfg := srv.ClientGoConfig()
	cfg.GroupVersion = &widgetGVv1
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(typedScheme(t)).WithoutConversion()
	rc, err := restclient.RESTClientFor(cfg)
	require.NoError(t, err)
	return rc
}

// TestTypedCustomResourceLikeClientset runs every verb on the Widget CRD's
// Go type and checks each answer against what client-go's REST client with
// the scheme's codecs, as a generated clientset would use, decodes.
func TestTypedCustomResourceLikeClientset(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := newNamespace(t, srv, "e2e-typed-cr")
	tcs, count := newTyped(t, typed.Options{Protobuf: true})
	widgets, err := typed.For[*typedWidget, *typedWidgetList](tcs)
	require.NoError(t, err)
	widgets = widgets.Namespace(ns)
	rc := widgetREST(t)
	compared := 0
	same := func(got *typedWidget, err error) *typedWidget {
		t.Helper()
		require.NoError(t, err)
		want := &typedWidget{}
		require.NoError(t, rc.Get().Namespace(ns).Resource("widgets").Name(got.Name).Do(ctx).Into(want))
		if want.ResourceVersion == got.ResourceVersion { // unchanged since
			assert.Equal(t, want, got)
			compared++
		}
		return got
	}

	created := same(widgets.Create(ctx, &typedWidget{ObjectMeta: metav1.ObjectMeta{Name: "w1", Labels: map[string]string{"kind": "widget"}},
		Spec: typedWidgetSpec{Replicas: new(int64(1)), Color: "red"}}, metav1.CreateOptions{}))
	assert.Equal(t, "red", created.Spec.Color)
	same(widgets.Get(ctx, "w1", metav1.GetOptions{}))

	created.Spec.Color = "green"
	created.Status.Phase = "ignored"
	updated := same(widgets.Update(ctx, created, metav1.UpdateOptions{}))
	assert.Empty(t, updated.Status.Phase, "the main resource ignores status")
	updated.Status = typedWidgetStatus{Replicas: 1, Selector: "kind=widget", Phase: "Ready"}
	status := same(widgets.UpdateStatus(ctx, updated, metav1.UpdateOptions{}))
	assert.Equal(t, "Ready", status.Status.Phase)
	applied := same(widgets.ApplyStatus(ctx, applyJSON(`{"metadata":{"name":"w1"},"status":{"phase":"Degraded"}}`),
		metav1.ApplyOptions{FieldManager: "status-writer", Force: true}))
	assert.Equal(t, "Degraded", applied.Status.Phase)

	p := same(widgets.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"size":"L"}}`), metav1.PatchOptions{}))
	assert.Equal(t, "L", p.Spec.Size)
	_, err = widgets.Patch(ctx, "w1", types.StrategicMergePatchType, []byte(`{"spec":{"size":"S"}}`), metav1.PatchOptions{})
	assert.True(t, apierrors.IsUnsupportedMediaType(err), "%v", err)
	same(widgets.Apply(ctx, typed.ApplyConfigurationOf(&typedWidget{ObjectMeta: metav1.ObjectMeta{Name: "w2", Labels: map[string]string{"kind": "widget"}},
		Spec: typedWidgetSpec{Color: "blue"}}), metav1.ApplyOptions{FieldManager: "e2e"}))

	list, err := widgets.List(ctx, metav1.ListOptions{LabelSelector: "kind=widget"})
	require.NoError(t, err)
	want := &typedWidgetList{}
	require.NoError(t, rc.Get().Namespace(ns).Resource("widgets").Param("labelSelector", "kind=widget").
		Param("resourceVersion", list.ResourceVersion).Param("resourceVersionMatch", "Exact").Do(ctx).Into(want))
	assert.Equal(t, want, list)
	var paged []typedWidget
	for w, err := range widgets.All(ctx, metav1.ListOptions{Limit: 1}) {
		require.NoError(t, err)
		paged = append(paged, *w)
	}
	assert.Equal(t, want.Items, paged)

	w, err := widgets.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	require.NoError(t, err)
	defer w.Stop()
	require.NoError(t, widgets.Delete(ctx, "w1", metav1.DeleteOptions{}))
	ev := nextEvent(t, w.ResultChan(), watch.Deleted)
	assert.Equal(t, "w1", ev.Object.(*typedWidget).Name)

	require.NoError(t, widgets.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}))
	list, err = widgets.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)
	assert.GreaterOrEqual(t, compared, 6, "answers compared with the REST client's")
	for _, r := range count.take() {
		if strings.Contains(r.Path, "/widgets") {
			assert.Equal(t, "application/json", r.Accept, "a type without protobuf asks for JSON: %s %s", r.Method, r.Path)
		}
	}
}

// typedGizmo is the Go type of a CRD installed while the test runs.
type typedGizmo struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Size int `json:"size"`
	} `json:"spec"`
}

type typedGizmoList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []typedGizmo `json:"items"`
}

func (g *typedGizmo) DeepCopyObject() runtime.Object {
	out := *g
	g.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

func (l *typedGizmoList) DeepCopyObject() runtime.Object {
	out := *l
	out.Items = make([]typedGizmo, len(l.Items))
	for i := range l.Items {
		out.Items[i] = *l.Items[i].DeepCopyObject().(*typedGizmo)
	}
	return &out
}

// addGizmo registers typedGizmo as gv's Gizmo: a scheme names a type by
// its Go name unless told otherwise.
func addGizmo(s *runtime.Scheme, gv schema.GroupVersion) {
	s.AddKnownTypeWithName(gv.WithKind("Gizmo"), &typedGizmo{})
	s.AddKnownTypeWithName(gv.WithKind("GizmoList"), &typedGizmoList{})
}

// TestTypedCRDInstalledLater: a Client made before its CRD exists works
// once it is installed, and says clearly when the kind is not served.
func TestTypedCRDInstalledLater(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	gv := schema.GroupVersion{Group: "typed.kdyn.dev", Version: "v1"}
	scheme := runtime.NewScheme()
	addGizmo(scheme, gv)
	cfg, _ := countedConfigFor(t, srv)
	cs, err := typed.NewForConfig(cfg, scheme, typed.Options{})
	require.NoError(t, err)
	gizmos, err := typed.For[*typedGizmo, *typedGizmoList](cs)
	require.NoError(t, err)

	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "gizmos.typed.kdyn.dev"},
		"spec": map[string]any{
			"group": gv.Group, "scope": "Cluster",
			"names": map[string]any{"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}},
		},
	}}
	require.NoError(t, installCRD(ctx, srv.ClientGoConfig(), crd))
	t.Cleanup(func() { assert.NoError(t, deleteCRD(context.Background(), srv.ClientGoConfig(), crd.GetName())) })

	g := &typedGizmo{ObjectMeta: metav1.ObjectMeta{Name: "g1"}}
	g.Spec.Size = 3
	created, err := gizmos.Create(ctx, g, metav1.CreateOptions{})
	require.NoError(t, err, "the CRD installed after the Client was made")
	assert.Equal(t, 3, created.Spec.Size)
	_, err = gizmos.Namespace("default").Get(ctx, "g1", metav1.GetOptions{})
	assert.ErrorContains(t, err, `Gizmo is cluster-scoped, but namespace "default" was given`)
	require.NoError(t, gizmos.Delete(ctx, "g1", metav1.DeleteOptions{}))

	// The same Go type registered under a group no server serves.
	elsewhere := runtime.NewScheme()
	addGizmo(elsewhere, schema.GroupVersion{Group: "absent.kdyn.dev", Version: "v1"})
	absent, err := typed.For[*typedGizmo, *typedGizmoList](typed.New(mustREST(t, cfg), mapperFor(t, cfg), elsewhere, typed.Options{}))
	require.NoError(t, err)
	_, err = absent.Get(ctx, "g1", metav1.GetOptions{})
	assert.True(t, meta.IsNoMatchError(err), "%v", err)
	assert.ErrorContains(t, err, "typed: Gizmo:")
}
