// Package rest is kdyn's HTTP layer: Config and its loading from kubeconfig
// files or the in-cluster service account, and Client, a request builder that
// turns API server responses into apimachinery's types and errors.
//
// A Client is safe for concurrent use.
package rest
