package cache

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
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

// shard is one lock's worth of the cache. Clean pages live in q and may be
// evicted; dirty and pinned pages live in held, out of the policy's reach.
// A page is in one of the two, never both.
type shard struct {
	mu   sync.Mutex
	size int // pages this shard may hold, clean, dirty and pinned together
	q    twoQ
	held map[uint64]*held

	// Counters are atomic so that Stats and Len need no lock. They are
	// per shard so that parallel hits do not fight over one cache line.
	hits, misses, evictions atomic.Uint64
	pages, dirty, pinned    atomic.Int64

	_ [64]byte // keeps neighbouring shards' locks off one cache line
}

type held struct {
	p     *page.Page
	pins  int
	dirty bool
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
		s.q = newTwoQ(s.size)
		s.held = make(map[uint64]*held)
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
func (c *Cache) Get(id uint64) (*page.Page, bool) {
	s := c.shard(id)
	s.mu.Lock()
	if h, ok := s.held[id]; ok {
		s.hits.Add(1)
		s.mu.Unlock()
		return h.p, true
	}
	p, ok := s.q.get(id)
	if ok {
		s.hits.Add(1)
	} else {
		s.misses.Add(1)
	}
	s.mu.Unlock()
	return p, ok
}

// Add caches p as a clean page under p.ID(), replacing any clean copy, and
// may evict clean pages to make room. It does nothing if the page is dirty:
// a reader that loaded an older copy from the file must not overwrite the
// writer's unsaved version. A pinned page takes p and stays pinned. If the
// shard holds only dirty and pinned pages, p is not cached (and counts as
// evicted). Add(nil) does
// nothing.
func (c *Cache) Add(p *page.Page) {
	if p == nil {
		return
	}
	id := p.ID()
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.held[id]; ok {
		if !h.dirty {
			h.p = p
		}
		return
	}
	s.evictions.Add(uint64(s.q.put(id, p, s.room())))
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
	h, ok := s.held[id]
	if !ok {
		s.q.take(id)
		h = &held{}
		s.held[id] = h
	}
	h.p = p
	if !h.dirty {
		h.dirty = true
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
	h := s.hold(id)
	if h == nil {
		return false
	}
	if !h.dirty {
		h.dirty = true
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
	h, ok := s.held[id]
	if !ok || !h.dirty {
		return
	}
	h.dirty = false
	s.dirty.Add(-1)
	s.release(id, h)
}

// Dirty returns every dirty page, sorted by id, the order in which a
// commit writes them to the file.
func (c *Cache) Dirty() []*page.Page {
	ps := make([]*page.Page, 0, c.DirtyLen())
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, h := range s.held {
			if h.dirty {
				ps = append(ps, h.p)
			}
		}
		s.mu.Unlock()
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
	h := s.hold(id)
	if h == nil {
		return false
	}
	if h.pins == 0 {
		s.pinned.Add(1)
	}
	h.pins++
	return true
}

// Unpin undoes one Pin. The page becomes evictable again after the last
// Unpin, unless it is dirty. Unpin of a page that is not pinned does
// nothing.
func (c *Cache) Unpin(id uint64) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.held[id]
	if !ok || h.pins == 0 {
		return
	}
	h.pins--
	if h.pins == 0 {
		s.pinned.Add(-1)
		s.release(id, h)
	}
}

// Remove drops the page with the given id, whatever its state: it is for
// pages that have been freed. Pins and unsaved changes are discarded.
func (c *Cache) Remove(id uint64) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.held[id]; ok {
		delete(s.held, id)
		if h.dirty {
			s.dirty.Add(-1)
		}
		if h.pins > 0 {
			s.pinned.Add(-1)
		}
	}
	s.q.forget(id)
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
		s.q.purge()
		clear(s.held)
		s.dirty.Store(0)
		s.pinned.Store(0)
		s.update()
		s.mu.Unlock()
	}
}

// The methods below require s.mu.

// room returns how many clean pages the shard may hold.
func (s *shard) room() int { return s.size - len(s.held) }

// update publishes the page count.
func (s *shard) update() { s.pages.Store(int64(s.q.len() + len(s.held))) }

// shrink evicts clean pages until the shard is within its size again, or
// has no clean pages left.
func (s *shard) shrink() {
	s.evictions.Add(uint64(s.q.makeRoom(s.room(), false)))
	s.update()
}

// hold returns the held entry for id, moving a clean page out of the
// policy if need be, or nil if the page is not cached. The caller must
// make the entry dirty or pinned before unlocking.
func (s *shard) hold(id uint64) *held {
	if h, ok := s.held[id]; ok {
		return h
	}
	p, ok := s.q.take(id)
	if !ok {
		return nil
	}
	h := &held{p: p}
	s.held[id] = h
	return h
}

// release hands h back to the policy once it is neither dirty nor pinned.
func (s *shard) release(id uint64, h *held) {
	if h.dirty || h.pins > 0 {
		return
	}
	delete(s.held, id)
	s.evictions.Add(uint64(s.q.put(id, h.p, s.room())))
	s.update()
}
