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
//
// # Giving space back
//
// Freed pages are reused, but a file whose end is free (every table
// dropped and pruned, a large delete) would otherwise keep its size for
// ever. The end of the file is given back in two moves, each at a commit:
//
//  1. Dropping ids. Commit counts the ids it frees in the last quarter of
//     the file (in memory). Once enough of them are reusable (freed by a
//     commit older than the durable one; or any, while half the file is
//     free, with a floor so that a try that found nothing is not repeated
//     at every commit), a commit reads the reusable part
//     of the free list and, if at least a few pages at the end of the file
//     are free, takes every reusable id off the list, lowers the page count
//     past the free end, and appends the rest again (sorted, so the lowest
//     ids are handed out first and the pages in use drift to the start). A
//     free-list page emptied this way is freed by this commit, so when such
//     pages stood at the end the drop runs again two commits later. The
//     rewritten ids count as freed by this commit: they wait two commits
//     more, which is why a drop needs enough pages to win.
//  2. Truncating. After each commit's superblock is durable, the file is
//     truncated to hold max(page count of the durable slot, page count of
//     the other slot) plus the reserve, when it holds much more. Open may
//     fall back to either slot, so the file never gets shorter than either
//     counts. The truncate is not synced: a crash that loses it leaves a
//     file longer than its superblocks count, which Open accepts (it
//     refuses only a count past the end), and the pages past the count are
//     never read.
//
// Both moves keep the rule of shadow paging: a dropped id was reusable, so
// neither slot's tree nor free list references it, and when the file grows
// again over a dropped id it is written like any fresh page. The reserved
// free-list tail, never written, may move when the list is emptied. So in
// every crash state (each write, sync and truncate a crash point, see
// TestShrinkInterrupted) both slots are whole and the file holds every page
// they count.
//
// A commit with nothing else to write still commits while space is pending
// (Dirty): ids freed at the end become reusable only after the next commit,
// and the truncate waits for the other slot. Freeing the end of a file
// thus takes a few commits (each Sync is one). Each of them moves the older
// slot forward too: to give back the pages of the state before a commit,
// no slot may still hold that state. The in-memory count is lost on Open:
// a reopened file waits for new frees at its end. Free pages elsewhere in
// the file stay, for reuse; Snapshot.Backup (projstore compact) rewrites a
// store densely.
//
// # The reserve
//
// On a full disk, copy-on-write cannot free space: deleting needs new pages
// before the old ones are free, and the commit needs free-list pages for
// the ids it frees. So the file keeps a reserve past its last counted page:
// Reserve(count) = ReserveBase (32) + count/256 pages, enough free-list
// pages to free every page of the file in one commit plus room for the
// copied paths. A commit whose epoch grew the page count writes zeros up
// to twice the reserve past the new count when the file holds less than
// the reserve past it (zeros, not a sparse truncate, so that the disk
// really allocates the room); if the disk is full that write fails, with
// an error wrapping the file system's ENOSPC, before the superblock, and
// nothing is committed. Changes made between UseReserve and EndReserve
// (the store's Prune and batches that only drop tables) may grow the page
// count into the reserve without restoring it: their pages are already in
// the file. Ordinary growth later in the epoch must restore the whole
// reserve again. The reserve needs no format change: it is just file
// length past the page count, which Open already accepts.
//
// Dropping tables and pruning dropped tables copy only catalog paths, so
// the reserve covers them however large the tables. Pruning the history of
// a live table copies every leaf it changes; a large one can outgrow the
// reserve and then fails like an ordinary write (the pages it freed before
// come back for reuse two commits later).
package pager
