package cache

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/projstore/projstore/page"
)

const (
	// minPages is the smallest capacity, whatever budget New is given.
	minPages = 16
	// maxShards bounds the number of shards. Sixteen locks are plenty to
	// keep readers apart on the machines the engine targets.
	maxShards = 16
	// minShardPages keeps shards from becoming so small that 2Q has no
	// room for both a recent and a frequent list: a small cache gets
	// fewer shards instead.
	minShardPages = 32
)

// Cache holds pages keyed by page id, within a byte budget. It is safe for
// concurrent use. Use New to make one.
type Cache struct {
	shards []shard
	mask   uint64 // len(shards)-1; the count is a power of two
	pages  int    // capacity in pages
}

// shard is one lock's worth of the cache. Every page is in m, which a hit
// reads under the read lock; every change takes the lock exclusively.
// Clean pages are also on recent or frequent, where the policy may evict
// them; dirty and pinned pages are on held, out of its reach.
type shard struct {
	mu   sync.RWMutex
	m    map[uint64]*entry
	size int // pages this shard may hold, clean, dirty and pinned together

	recent   list                             // clean pages seen once
	frequent list                             // clean pages seen again
	held     list                             // dirty and pinned pages
	ghost    *simplelru.LRU[uint64, struct{}] // ids recently evicted from recent
	// recentSize is how many pages recent keeps before it gives up its
	// own oldest pages rather than frequent's, which is what keeps a scan
	// from flushing the hot set.
	recentSize int

	// Counters are atomic so that Stats and Len need no lock. They are
	// per shard so that parallel hits do not fight over one cache line.
	hits, misses, evictions atomic.Uint64
	pages, dirty, pinned    atomic.Int64

	_ [64]byte // keeps neighbouring shards' locks off one cache line
}

// Stats is a snapshot of a cache's counters. Hits, Misses and Evictions
// count from New; Purge does not reset them. Shards are read one after
// another, so under concurrent use the fields may be slightly out of step.
type Stats struct {
	Hits, Misses, Evictions uint64
	Pages, Dirty, Pinned    int   // a page both dirty and pinned counts in both
	Bytes, MaxBytes         int64 // Pages and capacity times page.Size
}

// New returns a cache that holds maxBytes worth of pages, rounded down to
// whole pages and never fewer than 16 pages.
//
// Dirty and pinned pages count against the budget but are never evicted:
// clean pages make way for them. Once a shard holds only dirty and pinned
// pages it grows past its share of the budget, and it is up to the engine
// to write dirty pages out (see DirtyLen and Clean) or unpin pages.
func New(maxBytes int64) *Cache {
	n := max(maxBytes/page.Size, minPages)
	if n > math.MaxInt {
		n = math.MaxInt // 32-bit platforms
	}
	pages := int(n)
	shards := maxShards
	for shards > 1 && pages/shards < minShardPages {
		shards /= 2
	}
	c := &Cache{
		shards: make([]shard, shards),
		mask:   uint64(shards - 1),
		pages:  pages,
	}
	// Spread the remainder so that the shards add up to exactly pages.
	for i := range c.shards {
		s := &c.shards[i]
		s.size = pages / shards
		if i < pages%shards {
			s.size++
		}
		s.m = make(map[uint64]*entry)
		s.initPolicy()
	}
	return c
}

// shard returns the shard for id. Ids are allocated sequentially, so they
// are hashed rather than masked to spread neighbours across shards.
func (c *Cache) shard(id uint64) *shard {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], id)
	return &c.shards[xxhash.Sum64(b[:])&c.mask]
}

// Get returns the cached page with the given id.
//
// A hit takes only the shard's read lock, so hits never wait for one
// another: it records the access in the page's reference bit, which the
// policy reads when it next evicts, instead of reordering a list.
func (c *Cache) Get(id uint64) (*page.Page, bool) {
	s := c.shard(id)
	s.mu.RLock()
	e, ok := s.m[id]
	var p *page.Page
	if ok {
		p = e.p
		// Most hits are on pages already marked; reading first keeps
		// their cache line shared between cores instead of written.
		if !e.ref.Load() {
			e.ref.Store(true)
		}
	}
	s.mu.RUnlock()
	if ok {
		s.hits.Add(1)
	} else {
		s.misses.Add(1)
	}
	return p, ok
}

// Add caches p as a clean page under p.ID(), replacing any clean copy, and
// may evict clean pages to make room. It does nothing if the page is dirty:
// a reader that loaded an older copy from the file must not overwrite the
// writer's unsaved version. A pinned page takes p and stays pinned. If the
// shard holds only dirty and pinned pages, p is not cached (and counts as
// evicted). Add(nil) does nothing.
func (c *Cache) Add(p *page.Page) {
	if p == nil {
		return
	}
	id := p.ID()
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[id]; ok {
		if !e.dirty {
			e.p = p
		}
		if !e.held() {
			// Adding a cached page again is a second access, as when
			// two readers miss on it at once.
			e.ref.Store(true)
		}
		return
	}
	e := &entry{p: p, id: id}
	s.m[id] = e
	s.insert(e)
	s.update()
}

// AddDirty caches p under p.ID(), replacing any copy, and marks it dirty:
// it stays cached until Clean or Remove. AddDirty(nil) does nothing.
func (c *Cache) AddDirty(p *page.Page) {
	if p == nil {
		return
	}
	id := p.ID()
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if ok {
		s.hold(e)
	} else {
		e = &entry{id: id}
		s.m[id] = e
		s.held.pushFront(e)
	}
	e.p = p
	if !e.dirty {
		e.dirty = true
		s.dirty.Add(1)
	}
	s.shrink()
}

// MarkDirty marks the cached page with the given id dirty and reports
// whether it was cached.
func (c *Cache) MarkDirty(id uint64) bool {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return false
	}
	s.hold(e)
	if !e.dirty {
		e.dirty = true
		s.dirty.Add(1)
	}
	return true
}

// Clean records that the dirty page with the given id has been written:
// it becomes a clean page, evictable unless pinned. Clean of a page that is
// not dirty does nothing.
func (c *Cache) Clean(id uint64) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok || !e.dirty {
		return
	}
	e.dirty = false
	s.dirty.Add(-1)
	s.release(e)
}

// Dirty returns every dirty page, sorted by id, the order in which a
// commit writes them to the file.
func (c *Cache) Dirty() []*page.Page {
	ps := make([]*page.Page, 0, c.DirtyLen())
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		for e := s.held.root.next; e != &s.held.root; e = e.next {
			if e.dirty {
				ps = append(ps, e.p)
			}
		}
		s.mu.RUnlock()
	}
	slices.SortFunc(ps, func(a, b *page.Page) int {
		x, y := a.ID(), b.ID()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return ps
}

// DirtyLen returns the number of dirty pages.
func (c *Cache) DirtyLen() int {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].dirty.Load()
	}
	return int(n)
}

// DirtyBytes returns the memory held by dirty pages, which the engine
// compares with its spill threshold.
func (c *Cache) DirtyBytes() int64 { return int64(c.DirtyLen()) * page.Size }

// Pin keeps the cached page with the given id from being evicted until a
// matching Unpin, and reports whether it was cached. Pins nest.
func (c *Cache) Pin(id uint64) bool {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return false
	}
	s.hold(e)
	if e.pins == 0 {
		s.pinned.Add(1)
	}
	e.pins++
	return true
}

// Unpin undoes one Pin. The page becomes evictable again after the last
// Unpin, unless it is dirty. Unpin of a page that is not pinned does
// nothing.
func (c *Cache) Unpin(id uint64) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok || e.pins == 0 {
		return
	}
	e.pins--
	if e.pins == 0 {
		s.pinned.Add(-1)
		s.release(e)
	}
}

// Remove drops the page with the given id, whatever its state: it is for
// pages that have been freed. Pins and unsaved changes are discarded, and
// so is the id's ghost, since a freed id that is reused names a different
// page.
func (c *Cache) Remove(id uint64) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[id]; ok {
		if e.dirty {
			s.dirty.Add(-1)
		}
		if e.pins > 0 {
			s.pinned.Add(-1)
		}
		unlink(e)
		delete(s.m, id)
	}
	s.ghost.Remove(id)
	s.update()
}

// Len returns the number of cached pages.
func (c *Cache) Len() int {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].pages.Load()
	}
	return int(n)
}

// Stats returns the cache's counters without taking any lock.
func (c *Cache) Stats() Stats {
	var st Stats
	for i := range c.shards {
		s := &c.shards[i]
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
		st.Evictions += s.evictions.Load()
		st.Pages += int(s.pages.Load())
		st.Dirty += int(s.dirty.Load())
		st.Pinned += int(s.pinned.Load())
	}
	st.Bytes = int64(st.Pages) * page.Size
	st.MaxBytes = int64(c.pages) * page.Size
	return st
}

// Purge drops every page, dirty and pinned ones included, as when a store
// is closed or reset.
func (c *Cache) Purge() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.purge()
		s.dirty.Store(0)
		s.pinned.Store(0)
		s.mu.Unlock()
	}
}
