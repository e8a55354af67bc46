// Package cache owns the in-memory page cache: which pages stay in
// memory, which pages may be dropped, and the hit, miss and eviction
// counters.
//
// The cache is bounded in bytes. [New] turns the byte budget into a page
// count, and every cached page counts against it, whatever its state:
//
//   - Clean pages are copies of what is in the file. They are evicted
//     under a 2Q policy, so a long one-pass scan does not flush the pages
//     that are read again and again. A hit records itself in a reference
//     bit on the page rather than by reordering a list, and eviction
//     gives referenced pages a second chance, as CLOCK does.
//   - Dirty pages are the writer's unsaved changes. The cache never evicts
//     them, because dropping one would lose data; it evicts clean pages to
//     make room instead. The engine watches [Cache.DirtyLen] and, when it
//     grows too large, writes the dirty pages out and calls [Cache.Clean],
//     which makes them ordinary clean pages.
//   - Pinned pages are never evicted either. The engine itself does not
//     pin: its readers hold pages only under the store's read lock, during
//     which the writer changes nothing, and an evicted page a reader still
//     holds stays valid memory.
//
// Because dirty and pinned pages cannot be dropped, a cache holding only
// such pages grows past its budget. That is deliberate: the cache cannot
// write pages itself, so keeping memory bounded is then the engine's job.
//
// The cache is split into shards by a hash of the page id, each with its
// own read-write lock. A hit takes only the read lock, so hits never wait
// for one another, only for a change to the same shard; adding, dirtying,
// pinning and evicting take it exclusively. The budget is divided evenly
// between the shards and enforced per shard.
package cache
