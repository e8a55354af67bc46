//go:build race

package pager_test

// The race detector slows the pager some twentyfold: the crash test runs a
// smaller epoch under it (the full one runs without -race).
const raceEnabled = true
