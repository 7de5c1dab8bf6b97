package typed

// Options tune a Clientset. The zero value asks for JSON and returns
// objects as client-go's Clientset does.
type Options struct {
	// Protobuf asks for application/vnd.kubernetes.protobuf responses, with
	// application/json as the second choice, for types that have protobuf
	// methods (k8s.io/api's), and decodes each response in the Content-Type
	// the server chose, as client-go's Clientset does for built-in types
	// unless its ContentType says otherwise. Types without them (an
	// operator's own CRD types) ask for JSON, as do all types when false.
	// Request bodies are JSON either way: every server and aggregated API
	// accepts JSON, and a body holds one object. Default false: JSON, which
	// every server and proxy speaks; protobuf halves the bytes on the wire.
	Protobuf bool

	// Strict reports the unknown and duplicate fields of JSON responses, as
	// apimachinery's strict decoding does: the call returns the decoded
	// object together with an error for which runtime.IsStrictDecodingError
	// holds. Watch events and protobuf responses are not checked. Default
	// false: unknown fields are dropped silently, as client-go does.
	Strict bool

	// SetTypeMeta fills apiVersion and kind of every object returned, list
	// items and watch events included. client-go's Clientset leaves them
	// empty, and so does a Client by default: a decoded object's type says
	// its kind.
	SetTypeMeta bool
}
