// Package jsontree compares the values JSON decoders produce for
// unstructured objects: map[string]any, []any, string, int64, float64,
// bool and nil.
package jsontree

// Equal reports whether a and b, decoded JSON values, are equal. Values of
// other types are never equal, so that callers sharing equal values never
// share something they did not decode.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !Equal(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case string, int64, float64, bool, nil:
		return a == b
	}
	return false
}
