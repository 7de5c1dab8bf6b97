// Package typed is kdyn's Clientset without code generation: typed access
// to the objects of any Go API type registered in an apimachinery
// runtime.Scheme — k8s.io/api's built-in types and an operator's own CRD
// types alike.
//
//	scheme := runtime.NewScheme()
//	_ = appsv1.AddToScheme(scheme)
//	cs := typed.New(rc, mapper, scheme, typed.Options{})
//	deploys, err := typed.For[*appsv1.Deployment, *appsv1.DeploymentList](cs)
//	d, err := deploys.Namespace("default").Get(ctx, "web", metav1.GetOptions{})
//
// A Client's methods have the signatures of client-go's generated clients
// (Get, List, Watch, Create, Update, UpdateStatus, Patch, Apply,
// ApplyStatus, Delete, DeleteCollection), plus All, which pages through a
// list as an iterator. The kind comes from the scheme; the resource and its
// scope from the mapper on each call, so a CRD installed while the program
// runs is found as soon as the mapper serves it, and a kind the server does
// not serve is a *meta.NoKindMatchError.
//
// Responses decode straight into the Go structs in one pass, by codecs
// compiled once per Go type: JSON with apimachinery's semantics
// (sigs.k8s.io/json's case-sensitive decoding, integers kept as integers,
// unknown fields dropped, or reported with Options.Strict), and protobuf,
// for the types that have it, with Options.Protobuf, negotiated by
// Content-Type as client-go's Clientset does, into the values the types'
// generated Unmarshal gives. Strings are copied into chunks of at most
// 32 KiB shared by neighbouring objects, so an object kept from a list pins
// a chunk or two of memory, never the response.
// Objects come back with an empty apiVersion and kind, as from client-go,
// unless Options.SetTypeMeta.
package typed
