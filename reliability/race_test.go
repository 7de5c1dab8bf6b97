//go:build race

package reliability

// raceEnabled is true under go test -race, which slows requests by several
// times; the timed tests size their work by it.
const raceEnabled = true
