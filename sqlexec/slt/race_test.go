//go:build race

package slt_test

// raceEnabled: under the race detector (as CI runs) the store corpus runs
// a part of the files, the in-memory corpus all of them.
const raceEnabled = true
