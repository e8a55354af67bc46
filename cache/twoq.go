package cache

import (
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/projstore/projstore/page"
)

// The policy for clean pages is 2Q, as in lru.TwoQueueCache, with one
// change that keeps hits off the shard's exclusive lock: a hit does not
// move the page in a list, it sets the page's reference bit. Eviction
// looks at the bit, CLOCK fashion. A referenced page at the tail of recent
// has been seen again, so it moves to frequent, where 2Q would have put it
// at the hit; a referenced page at the tail of frequent gets a second
// chance at the front. Only unreferenced pages are evicted, so the pages
// read again and again survive a one-pass scan as under 2Q.
//
// The recent and frequent lists are hand-rolled. golang-lru's list is in
// an internal package, and its simplelru would key a second map by id in
// each queue, beside the shard's map that the hit path reads: every Add
// and eviction would then update two maps instead of one. The ghost list
// holds only ids, recency order is all it needs, so it stays a simplelru.

// Ratios of lru.TwoQueueCache.
const (
	recentRatio = 0.25
	ghostRatio  = 0.5
)

// entry is one cached page. The shard's map holds every entry; an entry
// is also on exactly one of the shard's lists: recent or frequent while
// it is clean and unpinned, held while it is dirty or pinned.
type entry struct {
	// p is written only under the shard's exclusive lock, so a reader
	// holding the read lock may load it.
	p *page.Page
	// ref is set by hits, which hold only the read lock, and cleared by
	// eviction under the exclusive lock.
	ref atomic.Bool

	// The fields below require the shard's exclusive lock.
	id         uint64
	pins       int
	dirty      bool
	list       *list
	prev, next *entry
}

func (e *entry) held() bool { return e.dirty || e.pins > 0 }

// list is a doubly linked list of entries, most recently added at the
// front, around a sentinel so that no link is ever nil.
type list struct {
	root entry
	len  int
}

func (l *list) init() {
	l.root.prev, l.root.next = &l.root, &l.root
	l.len = 0
}

func (l *list) pushFront(e *entry) {
	e.list = l
	e.prev, e.next = &l.root, l.root.next
	e.prev.next, e.next.prev = e, e
	l.len++
}

// back returns the oldest entry, or nil if the list is empty.
func (l *list) back() *entry {
	if l.len == 0 {
		return nil
	}
	return l.root.prev
}

// unlink takes e off whichever list it is on.
func unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	e.list.len--
	e.list = nil
}

// The methods below implement the policy; they require s.mu held
// exclusively.

func (s *shard) initPolicy() {
	s.recent.init()
	s.frequent.init()
	s.held.init()
	// The ghost list evicts its own oldest ids, which is what it is for;
	// NewLRU fails only for a size below 1.
	s.ghost, _ = simplelru.NewLRU[uint64, struct{}](max(int(float64(s.size)*ghostRatio), 1), nil)
	s.recentSize = int(float64(s.size) * recentRatio)
}

// room returns how many clean pages the shard may hold.
func (s *shard) room() int { return s.size - s.held.len }

// clean returns the number of clean, unpinned pages, the ones the policy
// may evict.
func (s *shard) clean() int { return s.recent.len + s.frequent.len }

// update publishes the page count.
func (s *shard) update() { s.pages.Store(int64(len(s.m))) }

// insert hands e, cached but on no list, to the policy as a page not seen
// since it was added, evicting to make room. With no room at all e is
// dropped, which counts as evicting it.
func (s *shard) insert(e *entry) {
	e.ref.Store(false)
	room := s.room()
	if room <= 0 {
		delete(s.m, e.id)
		s.evictions.Add(1)
		return
	}
	// An id evicted a short while ago and wanted again is hot.
	ghostHit := s.ghost.Remove(e.id)
	s.evictions.Add(uint64(s.makeRoom(room-1, ghostHit)))
	if ghostHit {
		s.frequent.pushFront(e)
	} else {
		s.recent.pushFront(e)
	}
}

// makeRoom evicts until at most room clean pages remain and returns how
// many it evicted. ghostHit says the page about to be added is a returning
// one; it then goes to frequent, so recent may keep its share.
//
// Each turn of the loop either evicts a page or clears a reference bit,
// and no hit can set one while s.mu is held exclusively, so it ends.
func (s *shard) makeRoom(room int, ghostHit bool) (evicted int) {
	for s.clean() > max(room, 0) {
		n := s.recent.len
		fromRecent := n > 0 && (n > s.recentSize || (n == s.recentSize && !ghostHit) || s.frequent.len == 0)
		from := &s.frequent
		if fromRecent {
			from = &s.recent
		}
		e := from.back()
		unlink(e)
		if e.ref.Load() {
			// Seen again since it was queued: a second chance at the front
			// of frequent (a promotion, when it comes from recent).
			e.ref.Store(false)
			s.frequent.pushFront(e)
			continue
		}
		delete(s.m, e.id)
		if fromRecent {
			s.ghost.Add(e.id, struct{}{})
		}
		evicted++
	}
	return evicted
}

// hold takes e out of the policy's reach, before it is made dirty or
// pinned.
func (s *shard) hold(e *entry) {
	if e.list == &s.held {
		return
	}
	unlink(e)
	s.held.pushFront(e)
}

// release hands e back to the policy once it is neither dirty nor pinned.
// Hits while it was held do not count: the engine's own reads of its
// unsaved pages say nothing about what readers want.
func (s *shard) release(e *entry) {
	if e.held() {
		return
	}
	unlink(e)
	s.insert(e)
	s.update()
}

// shrink evicts clean pages until the shard is within its size again, or
// has no clean pages left.
func (s *shard) shrink() {
	s.evictions.Add(uint64(s.makeRoom(s.room(), false)))
	s.update()
}

// purge drops every page and every ghost.
func (s *shard) purge() {
	clear(s.m)
	s.recent.init()
	s.frequent.init()
	s.held.init()
	s.ghost.Purge()
	s.update()
}
