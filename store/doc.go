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
// still find it; Prune frees it once the horizon passes the drop. Each
// incarnation also keeps a small counts tree (position -> rows, bytes),
// appended by each batch that changes them, so Snapshot.Tables reads the
// counts of any kept position without a walk.
//
// # Byte layouts
//
// The store's own layouts live in codec.go; pages, cells and overflow
// chains are package page's and package btree's.
//
// History key (tree: history; value: the closed version, stamp: deleted_at):
//
//	offset  size  field
//	0       n     row key (1..MaxKeySize bytes)
//	n       8     ^created_at, big-endian (newest version first)
//
// Catalog key (tree: catalog):
//
//	offset  size  field
//	0       8     table id, big-endian
//	8       8     dropped_at, big-endian (MaxOffset while live)
//
// Catalog entry (value of a catalog key), 56 bytes, little-endian:
//
//	offset  size  field
//	0       8     start: the position that created the incarnation
//	8       8     root page of the current tree (0: empty)
//	16      8     root page of the history tree
//	24      8     live rows
//	32      8     closed versions in history
//	40      8     bytes of live keys and values
//	48      8     root page of the counts tree
//
// Counts entry (tree: counts):
//
//	offset  size  field
//	key 0   8     position of the batch, big-endian
//	val 0   8     live rows after it, little-endian
//	val 8   8     bytes of live keys and values after it, little-endian
//
// # Read views
//
// A Snapshot reads one position through the same paths as GetAt and ScanAt,
// and registers that position so Prune stops at it. Range hands a caller
// key and value slices that point into leaf pages, under the read lock, a
// chunk of rows at a time; Scan copies each row once, into one arena.
// Backup copies a snapshot into a new, densely packed file.
//
// # Space
//
// Pages freed by a commit are reused from the commit after next on. When
// the end of the file is free (tables dropped and pruned, rows deleted),
// the following commits give it back: each Sync is one commit, and a Sync
// with nothing else to write still commits while space is pending, so a
// few Syncs shrink the file. Free pages elsewhere stay for reuse; Backup
// (projstore compact) writes a dense copy. The file keeps a small reserve
// past its pages that only Prune and batches of nothing but DropTable may
// use: on a full disk, other writes fail with ErrDiskFull, and after
// reopening the store those still commit and free space. Package pager
// documents both, and why they are crash safe.
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
