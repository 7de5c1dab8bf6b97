package typed

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/fixture"
	"github.com/kdyn/kdyn/rest"
	"github.com/kdyn/kdyn/restmapper"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// testScheme registers apps/v1, core/v1 and Widget.
func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	require.NoError(t, appsv1.AddToScheme(s))
	require.NoError(t, corev1.AddToScheme(s))
	s.AddKnownTypes(widgetGV, &Widget{}, &WidgetList{})
	return s
}

// fixtureSet serves the recording of a real kube-apiserver v1.37.2 and
// returns a Clientset for it, with kdyn's mapper, its rest.Client, and the
// recorder of the responses.
func fixtureSet(t *testing.T, opts Options, serverOpts ...fixture.Option) (*Clientset, *rest.Client, *recorder) {
	t.Helper()
	c, err := fixture.Load(filepath.Join("..", "testdata", "clusters", "k8s-1.37"))
	require.NoError(t, err)
	srv := fixture.NewServer(c, serverOpts...)
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.WarningHandler = rest.NoWarnings{}
	rec := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(rec.base.CloseIdleConnections)
	cfg.Transport = rec
	rc, err := rest.NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(rc.CloseIdleConnections)
	d, err := discovery.NewForConfig(cfg, discovery.Options{})
	require.NoError(t, err)
	return New(rc, restmapper.New(d, restmapper.Options{}), testScheme(t), opts), rc, rec
}

// recorder records the media type of each response, by path.
type recorder struct {
	base *http.Transport

	mu    sync.Mutex // guards types
	types map[string][]string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err == nil {
		mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
		r.mu.Lock()
		if r.types == nil {
			r.types = map[string][]string{}
		}
		if !slices.Contains(r.types[req.URL.Path], mt) {
			r.types[req.URL.Path] = append(r.types[req.URL.Path], mt)
		}
		r.mu.Unlock()
	}
	return resp, err
}

// mediaTypes returns the media types of the responses under prefix.
func (r *recorder) mediaTypes(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for path, types := range r.types {
		if strings.HasPrefix(path, prefix) {
			for _, mt := range types {
				if !slices.Contains(out, mt) {
					out = append(out, mt)
				}
			}
		}
	}
	return out
}

func forDeployments(t testing.TB, cs *Clientset) *Client[*appsv1.Deployment, *appsv1.DeploymentList] {
	t.Helper()
	c, err := For[*appsv1.Deployment, *appsv1.DeploymentList](cs)
	require.NoError(t, err)
	return c
}

func forWidgets(t testing.TB, cs *Clientset) *Client[*Widget, *WidgetList] {
	t.Helper()
	c, err := For[*Widget, *WidgetList](cs)
	require.NoError(t, err)
	return c
}

// installWidgets creates the Widget CRD through rc.
func installWidgets(t *testing.T, rc *rest.Client) {
	t.Helper()
	err := rc.Post().AbsPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").
		SetHeader("Content-Type", "application/json").Body(widgetCRD()).Do(context.Background()).Error()
	require.NoError(t, err)
}

func deployment(name string, replicas int32) *appsv1.Deployment {
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
				}},
			},
		},
	}
}

func widget(name, color string, replicas int32) *Widget {
	return &Widget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kind": "widget"}},
		Spec:       WidgetSpec{Replicas: &replicas, Color: color},
	}
}

// names returns the names of a list's items in order.
func names[T, L runtime.Object](c *Client[T, L], l L) []string {
	var out []string
	c.shape.each(l, func(obj T) bool {
		n, _ := nameOf(obj)
		out = append(out, n)
		return true
	})
	return out
}
