package main

// typedViewRows are the rows of issue 16 part 3: a typed informer of
// 10,000 Deployments (~4 KB of JSON each with managedFields), kdyn's typed
// view of its cache (typed.Inform) beside client-go's informer factory and
// controller-runtime's cache of typed objects. The issue sets no target;
// the gain columns are the ratios.
func typedViewRows() []row {
	const l = "13. typed informer of 10,000 Deployments"
	return []row{
		{l + ": time to sync", metric("TypedInformerSync/%s", "ns/op"), duration, false},
		{l + ": CPU time to sync", metric("TypedInformerSync/%s", "cpu-ns/op"), duration, false},
		{l + ": retained heap after sync", metric("TypedInformerSync/%s", "retained-B"), bytes, false},
		{l + ", managedFields kept by kdyn too: retained heap", kdynKeeping("TypedInformerSync/%s", "retained-B"), bytes, false},
		{l + ", managedFields kept by kdyn too: time to sync", kdynKeeping("TypedInformerSync/%s", "ns/op"), duration, false},
		{l + ": Get", metric("TypedInformerRead/get/%s", "ns/op"), duration, false},
		{l + ": Get allocs", metric("TypedInformerRead/get/%s", "allocs/op"), count, false},
		{l + ": List all", metric("TypedInformerRead/list/%s", "ns/op"), duration, false},
		{l + ": List all allocs", metric("TypedInformerRead/list/%s", "allocs/op"), count, false},
		{l + ": List by label (a third)", metric("TypedInformerRead/list-selector/%s", "ns/op"), duration, false},
		{l + ": List by label allocs", metric("TypedInformerRead/list-selector/%s", "allocs/op"), count, false},
	}
}
