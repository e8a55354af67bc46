//go:build race

package store_test

// The race detector slows the engine some twentyfold; the volume tests
// shrink under it (their full size runs without -race).
const raceEnabled = true
