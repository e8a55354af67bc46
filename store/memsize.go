package store

import (
	"sync"
)

const (
	// minDefaultCache and maxDefaultCache bound the default cache: a
	// machine whose memory is unknown or small still gets 64 MiB, and a
	// large one is not asked for more than 4 GiB by a library that shares
	// it with its host program.
	minDefaultCache = 64 << 20
	maxDefaultCache = 4 << 30
	// maxDefaultDirty bounds the default dirty-page budget: a Sync writes
	// at most about this much that Apply had not already spilled.
	maxDefaultDirty = 64 << 20
)

var defaultCache = sync.OnceValue(func() int64 {
	return defaultCacheFor(availableMemory())
})

// DefaultCacheBytes is the page cache size a store gets when
// Options.CacheBytes is 0: an eighth of the memory available to the
// process (physical memory, or its cgroup's limit when that is lower), at
// least 64 MiB and at most 4 GiB. The cache takes memory as pages are
// read, never its whole budget up front.
func DefaultCacheBytes() int64 { return defaultCache() }

func defaultCacheFor(mem int64) int64 {
	return min(max(mem/8, minDefaultCache), maxDefaultCache)
}

// defaultDirtyFor is the dirty-page budget for a cache of the given size
// when Options.DirtyBytes is 0: half the cache, at most 64 MiB, so that a
// large cache does not let a final Sync write gigabytes at once.
func defaultDirtyFor(cache int64) int64 {
	return min(cache/2, maxDefaultDirty)
}
