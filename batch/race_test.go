//go:build race

package batch

// The race detector adds allocations of its own, so exact counts are only
// checked without it.
const raceEnabled = true
