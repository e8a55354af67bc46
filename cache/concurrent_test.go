package cache

import (
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/projstore/projstore/page"
)

// TestConcurrent has readers look pages up and load them on a miss while
// one writer dirties, cleans, pins and frees pages, as the engine does.
// Run it with -race.
func TestConcurrent(t *testing.T) {
	const (
		ids     = 256
		readers = 8
	)
	reads, writes := 20000, 4000
	if testing.Short() {
		reads, writes = 2000, 400
	}
	c := New(64 * page.Size) // small, so that readers evict all the time
	clean := make([]*page.Page, ids)
	for id := range clean {
		clean[id] = newPage(uint64(id))
	}

	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for range reads {
				id := rng.Uint64N(ids)
				p, ok := c.Get(id)
				if !ok {
					c.Add(clean[id])
					continue
				}
				if p.ID() != id {
					t.Errorf("Get(%d) returned page %d", id, p.ID())
					return
				}
			}
		})
	}
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(99, 1))
		for range writes {
			id := rng.Uint64N(ids)
			p := newPage(id)
			c.AddDirty(p)
			pinned := c.Pin(id)
			for range 4 {
				if got, ok := c.Get(id); !ok || got != p {
					t.Errorf("dirty page %d: Get = %p, %v; want %p", id, got, ok, p)
					return
				}
			}
			if d := c.Dirty(); len(d) == 0 || c.DirtyLen() == 0 {
				t.Errorf("no dirty pages while page %d is dirty", id)
				return
			}
			c.Stats()
			c.Clean(id)
			if pinned {
				c.Unpin(id)
			}
			if rng.IntN(8) == 0 {
				c.Remove(id)
			}
		}
	})
	wg.Wait()

	st := c.Stats()
	if st.Dirty != 0 || st.Pinned != 0 || st.Pages > 64 || st.Hits+st.Misses == 0 {
		t.Errorf("after the run: Stats = %+v", st)
	}
	checkShards(t, c)
}

// long reports whether PROJSTORE_LONG=1 asks for the long runs.
func long() bool { return os.Getenv("PROJSTORE_LONG") == "1" }

// TestHitsDuringChurn has readers that only look pages up, so that they
// spend their time on the read-locked hit path, setting reference bits,
// while one writer adds pages (evicting all the time), pins, unpins,
// marks dirty, cleans and removes them. The writer keeps its own record
// of the pages it made dirty or pinned and checks after every step that
// each is cached with the pointer it last gave, looking without touching
// their reference bits. A few anchor pages stay
// pinned throughout, so readers know those must hit. Run it with -race.
func TestHitsDuringChurn(t *testing.T) {
	const (
		ids     = 192
		anchors = 4
		readers = 4
		maxHeld = 24
	)
	steps := 3000
	if long() {
		steps = 100000
	}
	c := New(64 * page.Size)
	for id := range uint64(anchors) {
		c.Add(newPage(id))
		if !c.Pin(id) {
			t.Fatalf("Pin(%d) of a page just added failed", id)
		}
	}

	var (
		stop atomic.Bool
		hits atomic.Uint64
		wg   sync.WaitGroup
	)
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 2))
			n := uint64(0)
			for !stop.Load() {
				// Half the reads go to a small hot range, so most of
				// them hit.
				id := rng.Uint64N(ids)
				if rng.IntN(2) == 0 {
					id = rng.Uint64N(16)
				}
				p, ok := c.Get(id)
				if !ok {
					if id < anchors {
						t.Errorf("pinned anchor page %d missing", id)
						return
					}
					continue
				}
				if p.ID() != id {
					t.Errorf("Get(%d) returned page %d", id, p.ID())
					return
				}
				n++
			}
			hits.Add(n)
		})
	}

	// held is the writer's record of the pages that must stay cached.
	held := map[uint64]*known{}
	for id := range uint64(anchors) {
		p, _ := c.Get(id)
		held[id] = &known{p: p, pins: 1}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for step := 0; step < steps && !t.Failed(); step++ {
		id := rng.Uint64N(ids)
		e := held[id]
		switch op := rng.IntN(10); {
		case op < 4: // a reader's miss: evicts once the shard is full
			p := newPage(id)
			c.Add(p)
			if e != nil && !e.dirty {
				e.p = p // a pinned clean page takes the new copy
			}
		case op == 4 && len(held) < maxHeld:
			p := newPage(id)
			c.AddDirty(p)
			if e == nil {
				e = &known{}
				held[id] = e
			}
			e.p, e.dirty = p, true
		case op == 5 && len(held) < maxHeld:
			p, ok := c.Get(id)
			if c.MarkDirty(id) != ok {
				t.Fatalf("MarkDirty(%d) disagrees with Get, which said %v", id, ok)
			}
			if ok {
				if e == nil {
					e = &known{p: p}
					held[id] = e
				}
				e.dirty = true
			}
		case op == 6 && len(held) < maxHeld:
			p, ok := c.Get(id)
			if c.Pin(id) != ok {
				t.Fatalf("Pin(%d) disagrees with Get, which said %v", id, ok)
			}
			if ok {
				if e == nil {
					e = &known{p: p}
					held[id] = e
				}
				e.pins++
			}
		case op == 7 && e != nil:
			c.Clean(id)
			e.dirty = false
		case op == 8 && e != nil && id >= anchors:
			c.Unpin(id)
			e.pins = max(e.pins-1, 0)
		case op == 9 && id >= anchors:
			c.Remove(id)
			e = nil
			delete(held, id)
		}
		if e != nil && !e.held() {
			delete(held, id)
		}
		for hid, want := range held {
			if got, ok := peek(c, hid); !ok || got != want.p {
				t.Fatalf("step %d: page %d (dirty %v, pins %d): Get = %p, %v; want %p",
					step, hid, want.dirty, want.pins, got, ok, want.p)
			}
		}
	}
	stop.Store(true)
	wg.Wait()

	dirty, pinned := 0, 0
	for _, e := range held {
		if e.dirty {
			dirty++
		}
		if e.pins > 0 {
			pinned++
		}
	}
	st := c.Stats()
	if st.Dirty != dirty || st.Pinned != pinned || st.Evictions == 0 || hits.Load() == 0 {
		t.Errorf("after the run: Stats = %+v, reader hits %d; want %d dirty, %d pinned, evictions and hits",
			st, hits.Load(), dirty, pinned)
	}
	checkShards(t, c)
}

// peek looks a page up as Get does, but without recording an access,
// which would give the page a second chance and hide a lost one.
func peek(c *Cache, id uint64) (*page.Page, bool) {
	s := c.shard(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.m[id]; ok {
		return e.p, true
	}
	return nil, false
}

// TestHitTakesReadLock checks that a hit shares its shard with other
// readers: it looks a page up while the test itself holds the shard's
// read lock. A hit that took the lock exclusively would never return.
func TestHitTakesReadLock(t *testing.T) {
	c := New(0) // one shard
	if len(c.shards) != 1 {
		t.Fatalf("New(0) has %d shards, want 1", len(c.shards))
	}
	p := newPage(5)
	c.Add(p)
	s := &c.shards[0]
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Get runs in a goroutine so that a hit taking the exclusive lock
	// shows up as a failure here rather than as the test binary's timeout.
	type result struct {
		got         *page.Page
		ok, missing bool
	}
	done := make(chan result, 1)
	go func() {
		got, ok := c.Get(5)
		_, missing := c.Get(6)
		done <- result{got, ok, missing}
	}()
	select {
	case r := <-done:
		if !r.ok || r.got != p || r.missing {
			t.Errorf("Get under a shared read lock = %p, %v and %v; want %p, true and false", r.got, r.ok, r.missing, p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get blocked behind a shared read lock: the hit path takes the shard's exclusive lock")
	}
}
