package cache

import (
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/projstore/projstore/page"
)

// twoQ is the 2Q policy of lru.TwoQueueCache rebuilt from its simplelru
// pieces. The library type cannot serve here: it has a fixed size, while
// the room left for clean pages shrinks as dirty and pinned pages arrive;
// it does not say what it evicted; and it takes its own lock inside the
// shard's, which made a hit about 40% slower. twoQ has no lock of its own.
type twoQ struct {
	recent   *simplelru.LRU[uint64, *page.Page] // pages seen once
	frequent *simplelru.LRU[uint64, *page.Page] // pages seen again
	ghost    *simplelru.LRU[uint64, struct{}]   // ids recently evicted from recent

	// recentSize is how many pages recent keeps before it gives up its
	// own oldest pages rather than frequent's, which is what keeps a scan
	// from flushing the hot set.
	recentSize int
}

// Ratios of lru.TwoQueueCache.
const (
	recentRatio = 0.25
	ghostRatio  = 0.5
)

func newTwoQ(size int) twoQ {
	size = max(size, 1)
	// The lists hold at most size pages between them (the shard evicts
	// before it adds), so they never evict on their own and an error is
	// impossible for a positive size.
	recent, _ := simplelru.NewLRU[uint64, *page.Page](size, nil)
	frequent, _ := simplelru.NewLRU[uint64, *page.Page](size, nil)
	ghost, _ := simplelru.NewLRU[uint64, struct{}](max(int(float64(size)*ghostRatio), 1), nil)
	return twoQ{
		recent:     recent,
		frequent:   frequent,
		ghost:      ghost,
		recentSize: int(float64(size) * recentRatio),
	}
}

func (q *twoQ) len() int { return q.recent.Len() + q.frequent.Len() }

// get returns the page and records the access: a second access moves a
// page from recent to frequent.
func (q *twoQ) get(id uint64) (*page.Page, bool) {
	if p, ok := q.frequent.Get(id); ok {
		return p, true
	}
	if p, ok := q.recent.Peek(id); ok {
		q.recent.Remove(id)
		q.frequent.Add(id, p)
		return p, true
	}
	return nil, false
}

// put adds or replaces a page, keeping at most room pages, and returns how
// many pages it evicted. With no room at all the page is not kept, which
// counts as evicting it.
func (q *twoQ) put(id uint64, p *page.Page, room int) (evicted int) {
	if q.frequent.Contains(id) {
		q.frequent.Add(id, p)
		return 0
	}
	if q.recent.Contains(id) {
		q.recent.Remove(id)
		q.frequent.Add(id, p)
		return 0
	}
	if room <= 0 {
		return 1
	}
	if q.ghost.Contains(id) {
		// Evicted a short while ago and wanted again: it is hot.
		evicted = q.makeRoom(room-1, true)
		q.ghost.Remove(id)
		q.frequent.Add(id, p)
		return evicted
	}
	evicted = q.makeRoom(room-1, false)
	q.recent.Add(id, p)
	return evicted
}

// makeRoom evicts until at most room pages remain and returns how many it
// evicted. ghostHit says the page about to be added is a returning one; it
// then goes to frequent, so recent may keep its share.
func (q *twoQ) makeRoom(room int, ghostHit bool) (evicted int) {
	for q.len() > max(room, 0) {
		n := q.recent.Len()
		if n > 0 && (n > q.recentSize || (n == q.recentSize && !ghostHit) || q.frequent.Len() == 0) {
			id, _, _ := q.recent.RemoveOldest()
			q.ghost.Add(id, struct{}{})
		} else {
			q.frequent.RemoveOldest()
		}
		evicted++
	}
	return evicted
}

// take removes a page and returns it, so the shard can hold it outside the
// policy. The ghost entry, if any, is kept: it is only a hint.
func (q *twoQ) take(id uint64) (*page.Page, bool) {
	if p, ok := q.frequent.Peek(id); ok {
		q.frequent.Remove(id)
		return p, true
	}
	if p, ok := q.recent.Peek(id); ok {
		q.recent.Remove(id)
		return p, true
	}
	return nil, false
}

// forget drops every trace of id, the ghost entry included, since a freed
// id that is reused names a different page.
func (q *twoQ) forget(id uint64) {
	q.frequent.Remove(id)
	q.recent.Remove(id)
	q.ghost.Remove(id)
}

func (q *twoQ) purge() {
	q.recent.Purge()
	q.frequent.Purge()
	q.ghost.Purge()
}
