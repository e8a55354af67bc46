package store

import "github.com/projstore/projstore/batch"

// SplitHistoryKey splits a key of a table's history tree into the row key
// and the position its version was created at; ok is false for a key too
// short to be one. Tools that read pages raw (the page dumper) call it, so
// that the history key layout keeps its one home in codec.go.
func SplitHistoryKey(k []byte) (key []byte, created batch.Offset, ok bool) {
	return splitHistKey(k)
}
