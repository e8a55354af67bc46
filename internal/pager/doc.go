// Package pager owns the database file as a set of pages: reading and
// verifying them, the page cache in front of them, allocation, the free
// list, and the commit protocol that makes a new state durable.
//
// # Shadow paging
//
// A page referenced by the last durable superblock is never overwritten.
// The first change to such a page in a commit epoch copies it to a fresh id
// (Write returns the copy; the caller re-points the parent). Pages written
// fresh in this epoch may be changed in place and may be written to the file
// early ("spilled") when the cache fills, because nothing durable points at
// them. Commit generation g:
//
//  1. appends the ids freed in this epoch to the free list (new free-list
//     pages, see below);
//  2. writes every dirty page, sealed with generation g;
//  3. fdatasync;
//  4. writes superblock g into slot g%2;
//  5. fdatasync.
//
// Ids freed by commit g are handed out again only once commit g+1 is
// durable, so at rest both superblock slots describe complete trees: Open
// can fall back to the older slot if the newer tree turns out damaged.
//
// # Free list
//
// The free list is a FIFO queue of free-list pages linked through their aux
// field. Each page holds the ids freed by one commit and carries that
// commit's generation, so the queue is ordered by generation and the head
// alone says whether anything is reusable yet. The superblock records the
// head page, how many ids of it were already taken, the count, and the tail:
// an id reserved (not yet written) for the next free-list page. Appending
// writes into the reserved tail and reserves the next, so no durable page is
// ever modified; taking an id only moves the head offset. A commit's cost
// therefore grows with the number of ids it frees and takes, never with the
// size of the free list, and Open reads nothing but the superblock.
package pager
