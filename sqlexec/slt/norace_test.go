//go:build !race

package slt_test

const raceEnabled = false
