// Package store is projstore's public API: an embedded projection store
// with MVCC. Callers Apply write batches strictly in log order and read the
// state now (Get, Scan) or as of any earlier position (GetAt, ScanAt,
// NewIterator).
//
// # Layout
//
// Each table incarnation is two B+trees (package btree):
//
//   - current: key -> (created_at, value), live rows only;
//   - history: key ‖ ^created_at -> (deleted_at, value), closed versions,
//     newest first within a key.
//
// Get and reads at the applied position touch only current, so their cost
// does not grow with history. GetAt(p) checks current, then seeks history
// for the newest version created at or before p. An update moves the old
// version (and its overflow chain, without copying it) into history.
//
// A catalog B+tree maps table id ‖ dropped_at to the incarnation's roots and
// counts; the live incarnation has dropped_at = MaxOffset. DropTable re-keys
// the live incarnation under its drop position, which is how older reads
// still find it; Prune frees it once the horizon passes the drop.
//
// # Concurrency
//
// One writer at a time (Apply, Sync, Prune, Close take the writer lock);
// readers take a shared lock that Apply holds exclusively only while it
// changes pages, so a reader waits at most for one batch. Commits (Sync)
// write pages that no reader changes and do not block readers. Scans and
// iterators drop the shared lock between steps and re-seek by key when a
// batch was applied in between: a read at a fixed position sees the same
// rows whatever is applied after it.
package store
