// Package btree owns the copy-on-write B+tree that every projstore table is
// made of: keys up to 1 KiB (plus an 8-byte version suffix in history
// trees), a 64-bit stamp per entry (the MVCC created_at or deleted_at
// position), and values of any size, in slotted pages (package page).
//
// Nodes split and merge by bytes, never by a count: every cell is at most a
// third of a page, so a full node always splits into two halves that fit.
// Searches binary-search the slot directory in place; a read never decodes a
// whole node. Changing a page goes through the Pager's Write, which copies a
// durable page to a fresh id; the new id then flows up to the parent, and
// the tree's Root changes last. Scans keep a cursor stack (no sibling
// links), which is what makes copy-on-write cheap and reverse scans free.
//
// Leaf cell:
//
//	| offset | size | field                                               |
//	|--------|------|-----------------------------------------------------|
//	| 0      | 1    | flags: bit 0 = value lives in an overflow chain     |
//	| 1      | 2    | key length k                                        |
//	| 3      | 8    | stamp                                               |
//	| 11     | 4    | value length v                                      |
//	| 15     | k    | key                                                 |
//	| 15+k   | v|8  | value, or the id of the chain's first overflow page |
//
// Branch cell (the page's aux field holds the leftmost child; cell i holds
// the child for keys >= its key):
//
//	| offset | size | field      |
//	|--------|------|------------|
//	| 0      | 8    | child id   |
//	| 8      | 2    | key length |
//	| 10     | k    | key        |
//
// Overflow pages (type overflow) carry up to page.OverflowCapacity bytes
// each and link to the next through aux; the chain's length is the value
// length in the leaf cell.
//
// # Who owns a chain
//
// A tree owns the overflow chains of its entries, and every chain must be
// freed exactly once: a chain freed twice is handed out twice, and one
// never freed leaks. Put, PutRef and Delete free the chain of an entry they
// replace or remove. Swap and Take hand it to the caller in a Ref instead,
// and the caller must then store it under another key (PutRef, which takes
// it over) or free it (FreeRef). The store moves a replaced version into
// its history tree this way, chain and all, without copying the value.
package btree
