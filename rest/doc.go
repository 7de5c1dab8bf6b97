// Package rest is kdyn's HTTP layer: Config and its loading from kubeconfig
// files (LoadKubeconfig) or a pod's service account (InClusterConfig), and
// Client, a request builder that turns API server responses into
// apimachinery's types and errors.
//
// # Requests
//
//	c, err := rest.NewClient(cfg)
//	res := c.Get().AbsPath("/apis", "apps", "v1").Namespace("default").
//		Resource("deployments").Name("web").Do(ctx)
//	var u unstructured.Unstructured
//	err = res.Into(&u) // *apierrors.StatusError on a non-2xx answer
//
// The final path is AbsPath + [namespaces/<ns>] + [resource] + [name] +
// [subresource...]. Do reads the whole answer into a Result; Stream hands
// over the body; Watch decodes a watch stream into watch.Interface events.
//
// # Errors
//
// A non-2xx answer (other than 304 Not Modified) becomes an
// *apierrors.StatusError, decoded from the metav1.Status body when there is
// one (ErrorFromResponse), so apierrors.IsNotFound, IsConflict, ... work. A
// request that got no answer fails with a *RequestError wrapping the cause.
// Errors and formatted Configs never contain tokens, passwords or keys.
//
// # Retries and rate limiting
//
// Answers with Retry-After and status 429 or 5xx are retried after the time
// they name, at most Config.MaxRetries (default 10) times; writes only on
// 429, since any other failure may mean the server acted on them. GET and
// HEAD are also retried when the connection breaks. Bodies are kept in memory
// so each attempt sends them whole. Config.OnRetry observes each retry.
// Client-side rate limiting (Config.QPS) is off by default.
//
// # Authentication
//
// Bearer tokens (also from a file, re-read as it rotates), basic auth, client
// certificates, impersonation, and client.authentication.k8s.io exec plugins
// (v1 and v1beta1), whose credentials are cached until they expire and fetched
// again once when the server answers 401. Credentials go only to the
// configured origin (scheme, host and port). Redirects are followed only
// within that origin and keeping the method (RedirectError otherwise), so
// neither a credential nor a request body reaches another place, and https
// is never downgraded to http. Clients with the same TLS and proxy settings
// share one http.Transport.
//
// # Limits
//
// Whatever a server sends, what the client reads into memory is bounded
// (Config.Limits: one object or watch event, a list, a discovery document),
// counted after decompression; past a limit the read stops with a
// *TooLargeError and the connection is closed. Token, certificate and key
// files must be regular files of bounded size; an exec plugin's output is
// bounded and its run killed, with its children, at a timeout. Retry-After
// is honoured up to MaxRetryAfter.
//
// A Client is safe for concurrent use; a Request is not.
package rest
