// Package protodec decodes Kubernetes' protobuf encoding of Go API structs
// (the generated code of k8s.io/api, without its envelope) into the
// structs, giving what their generated Unmarshal methods give, with fewer
// allocations: a codec is compiled once per Go type from the protobuf
// struct tags, strings are copied into shared chunks instead of one
// allocation each, and a repeated field is allocated once at its final
// length. Types whose fields carry no protobuf tags (metav1.Time,
// resource.Quantity, named slices such as ExtraValue) decode through their
// own Unmarshal method, as the generated code calls it.
//
// Unlike the generated code, it refuses messages nested more than 10,000
// deep (the generated code recurses until the goroutine's stack is
// exhausted, which is fatal), and it allocates slices ahead of their
// elements within a budget of 8 bytes per input byte for the whole input.
package protodec
