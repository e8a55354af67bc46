//go:build !race

package pager_test

const raceEnabled = false
