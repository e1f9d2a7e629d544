//go:build race

package engine_test

// raceEnabled reports whether the tests run under the race detector, which
// makes JSON work on large bodies about ten times slower.
const raceEnabled = true
