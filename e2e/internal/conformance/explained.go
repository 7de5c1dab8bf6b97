package conformance

// Explanation is a kind of difference the fixture does not remove, and why.
// The fixture package's docs list the same ones.
type Explanation struct {
	ID, Why string
	Covers  func(d Difference) bool
}

// Explanations are the differences the suite accepts.
var Explanations = []Explanation{}

// explain returns the ID of the first Explanation that covers d, or "".
func explain(d Difference) string {
	for _, e := range Explanations {
		if e.Covers(d) {
			return e.ID
		}
	}
	return ""
}
