package protodec

import (
	"math/rand"
	"reflect"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

type marshaler interface{ Marshal() ([]byte, error) }

// apiTypes returns the types of every kind of k8s.io/api's stable groups
// that have protobuf methods, by kind.
func apiTypes(t testing.TB) (kinds []string, types map[string]reflect.Type, s *runtime.Scheme) {
	s = runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		admissionregistrationv1.AddToScheme, appsv1.AddToScheme, authenticationv1.AddToScheme,
		authorizationv1.AddToScheme, autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, batchv1.AddToScheme,
		certificatesv1.AddToScheme, coordinationv1.AddToScheme, corev1.AddToScheme, discoveryv1.AddToScheme,
		eventsv1.AddToScheme, flowcontrolv1.AddToScheme, networkingv1.AddToScheme, nodev1.AddToScheme,
		policyv1.AddToScheme, rbacv1.AddToScheme, resourcev1.AddToScheme, schedulingv1.AddToScheme, storagev1.AddToScheme,
	} {
		require.NoError(t, add(s))
	}
	types = map[string]reflect.Type{}
	for gvk, typ := range s.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || gvk.Version == "" {
			continue
		}
		if _, ok := reflect.New(typ).Interface().(marshaler); !ok {
			continue
		}
		kinds = append(kinds, gvk.String())
		types[gvk.String()] = typ
	}
	sort.Strings(kinds)
	return kinds, types, s
}

// TestEveryAPIType fills objects of every kind of k8s.io/api's stable
// groups with random values, encodes them with their generated Marshal,
// and expects Unmarshal to decode what their generated Unmarshal decodes,
// field for field.
func TestEveryAPIType(t *testing.T) {
	kinds, types, scheme := apiTypes(t)
	fill := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(1), serializer.NewCodecFactory(scheme))
	fill.NilChance(0.2).NumElements(0, 3).MaxDepth(8)
	checked := 0
	for _, kind := range kinds {
		typ := types[kind]
		for range 5 {
			obj := reflect.New(typ)
			fill.Fill(obj.Interface())
			data, err := obj.Interface().(marshaler).Marshal()
			require.NoError(t, err, kind)
			got, want := reflect.New(typ), reflect.New(typ)
			require.NoError(t, want.Interface().(unmarshaler).Unmarshal(data), kind)
			require.NoError(t, Unmarshal(data, got.Interface()), "%s", kind)
			require.Equal(t, want.Interface(), got.Interface(), "%s", kind)
			checked++
		}
	}
	require.Greater(t, checked, 1000, "objects checked")
	t.Logf("%d objects of %d kinds", checked, len(kinds))
}
