package cache

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/projstore/projstore/page"
)

// newPage returns a page with the given id.
func newPage(id uint64) *page.Page { return page.New(id, page.TypeLeaf) }

// capacity returns how many pages c holds before evicting.
func capacity(c *Cache) int { return int(c.Stats().MaxBytes / page.Size) }

// errorer is what checkShards needs from *testing.T and *rapid.T.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

// checkShards verifies what the exported API cannot see: every cached
// page is on exactly one well-linked list, the one its state calls for;
// every shard keeps its clean pages within the room its dirty and pinned
// pages leave; and the counters match.
func checkShards(t errorer, c *Cache) {
	t.Helper()
	total := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		if n := s.clean(); n > max(s.room(), 0) {
			t.Errorf("shard %d: %d clean pages, room for %d", i, n, s.room())
		}
		listed := 0
		for _, l := range []*list{&s.recent, &s.frequent, &s.held} {
			n := 0
			for e := l.root.next; e != &l.root && n <= len(s.m); e = e.next {
				n++
				if e.next.prev != e || e.list != l {
					t.Errorf("shard %d: page %d badly linked", i, e.id)
				}
				if s.m[e.id] != e {
					t.Errorf("shard %d: listed page %d not in the map", i, e.id)
				}
				if e.held() != (l == &s.held) {
					t.Errorf("shard %d: page %d (dirty %v, pins %d) on the wrong list", i, e.id, e.dirty, e.pins)
				}
			}
			if n != l.len {
				t.Errorf("shard %d: list of %d pages says %d", i, n, l.len)
			}
			listed += n
		}
		if listed != len(s.m) {
			t.Errorf("shard %d: %d pages listed, %d in the map", i, listed, len(s.m))
		}
		dirty, pinned := 0, 0
		for id, e := range s.m {
			if e.id != id || e.p == nil || e.p.ID() != id {
				t.Errorf("shard %d: map entry %d holds page %d", i, id, e.id)
			}
			if e.dirty {
				dirty++
			}
			if e.pins > 0 {
				pinned++
			}
		}
		if got, want := s.pages.Load(), int64(len(s.m)); got != want {
			t.Errorf("shard %d: pages counter %d, want %d", i, got, want)
		}
		if s.dirty.Load() != int64(dirty) || s.pinned.Load() != int64(pinned) {
			t.Errorf("shard %d: dirty/pinned counters %d/%d, want %d/%d", i, s.dirty.Load(), s.pinned.Load(), dirty, pinned)
		}
		total += s.size
		s.mu.Unlock()
	}
	if total != c.pages {
		t.Errorf("shard sizes add up to %d, want %d", total, c.pages)
	}
}

func TestNewCapacity(t *testing.T) {
	for _, tc := range []struct {
		maxBytes int64
		pages    int
	}{
		{-1, 16},
		{0, 16},
		{page.Size - 1, 16},
		{16 * page.Size, 16},
		{100*page.Size + 7, 100},
		{1 << 30, 1 << 18},
		{math.MaxInt64, int(min(math.MaxInt64/page.Size, math.MaxInt))},
	} {
		c := New(tc.maxBytes)
		if got := capacity(c); got != tc.pages {
			t.Errorf("New(%d): capacity %d pages, want %d", tc.maxBytes, got, tc.pages)
		}
		if n := len(c.shards); n&(n-1) != 0 || n > maxShards {
			t.Errorf("New(%d): %d shards", tc.maxBytes, n)
		}
		checkShards(t, c)
	}
}

func TestBoundedByBytes(t *testing.T) {
	const pages = 256
	c := New(pages * page.Size)
	for id := range uint64(10 * pages) {
		c.Add(newPage(id))
		if c.Len() > pages {
			t.Fatalf("after %d adds: Len %d > capacity %d", id+1, c.Len(), pages)
		}
	}
	st := c.Stats()
	// Every shard sees far more pages than it holds, so every one is full.
	if st.Pages != pages || st.Bytes != pages*page.Size || st.MaxBytes != pages*page.Size {
		t.Errorf("Stats = %+v, want %d pages, %d bytes", st, pages, pages*page.Size)
	}
	if st.Evictions != 9*pages {
		t.Errorf("Evictions = %d, want %d", st.Evictions, 9*pages)
	}
	checkShards(t, c)
}

func TestReplace(t *testing.T) {
	c := New(0)
	a, b := newPage(1), newPage(1)
	c.Add(a)
	c.Add(b)
	if p, ok := c.Get(1); !ok || p != b {
		t.Fatalf("Get after replacing: %p, %v; want %p", p, ok, b)
	}
	if c.Len() != 1 {
		t.Errorf("Len = %d, want 1", c.Len())
	}
	c.Add(nil)
	c.AddDirty(nil)
	if c.Len() != 1 || c.DirtyLen() != 0 {
		t.Errorf("nil pages changed the cache: Len %d, DirtyLen %d", c.Len(), c.DirtyLen())
	}
}

func TestDirtyNeverEvicted(t *testing.T) {
	c := New(0) // 16 pages
	limit := capacity(c)
	dirty := map[uint64]*page.Page{}
	for id := range uint64(10 * limit) {
		p := newPage(id)
		dirty[id] = p
		c.AddDirty(p)
	}
	for id := uint64(1000); id < 2000; id++ {
		c.Add(newPage(id))
		c.Get(id)
	}
	for id, p := range dirty {
		// A reader's stale copy must not replace the unsaved page either.
		c.Add(newPage(id))
		if got, ok := c.Get(id); !ok || got != p {
			t.Fatalf("dirty page %d: Get = %p, %v; want %p", id, got, ok, p)
		}
	}
	st := c.Stats()
	if st.Pages != len(dirty) || st.Dirty != len(dirty) || st.Bytes <= st.MaxBytes {
		t.Errorf("over budget with dirty pages: Stats = %+v, want %d pages, all dirty", st, len(dirty))
	}
	// With no room left, each clean page was dropped as soon as added.
	if st.Evictions != 1000 {
		t.Errorf("Evictions = %d, want 1000", st.Evictions)
	}
	checkShards(t, c)

	// Cleaned pages are ordinary clean pages: over budget, they go.
	for id := range dirty {
		c.Clean(id)
	}
	if c.DirtyLen() != 0 || c.Len() > limit {
		t.Errorf("after Clean: DirtyLen %d, Len %d; want 0, <= %d", c.DirtyLen(), c.Len(), limit)
	}
	for id := uint64(2000); id < 3000; id++ {
		c.Add(newPage(id))
	}
	for id := range dirty {
		if _, ok := c.Get(id); ok {
			t.Errorf("cleaned page %d survived 1000 newer pages", id)
		}
	}
	checkShards(t, c)
}

func TestDirtyDisplacesClean(t *testing.T) {
	c := New(0)
	limit := capacity(c)
	for id := range uint64(limit) {
		c.Add(newPage(id))
	}
	for id := uint64(100); id < 104; id++ {
		c.AddDirty(newPage(id))
	}
	if c.Len() != limit {
		t.Errorf("Len = %d, want %d: dirty pages count against the budget", c.Len(), limit)
	}
	if st := c.Stats(); st.Evictions != 4 {
		t.Errorf("Evictions = %d, want 4", st.Evictions)
	}
	checkShards(t, c)
}

func TestMarkDirty(t *testing.T) {
	c := New(0)
	p := newPage(7)
	if c.MarkDirty(7) {
		t.Fatal("MarkDirty of an uncached page returned true")
	}
	c.Add(p)
	if !c.MarkDirty(7) {
		t.Fatal("MarkDirty of a cached page returned false")
	}
	if !c.MarkDirty(7) { // again: still one dirty page
		t.Fatal("MarkDirty of a dirty page returned false")
	}
	if c.DirtyLen() != 1 {
		t.Fatalf("DirtyLen = %d, want 1", c.DirtyLen())
	}
	for id := uint64(100); id < 200; id++ {
		c.Add(newPage(id))
	}
	if got, ok := c.Get(7); !ok || got != p {
		t.Fatalf("page marked dirty was evicted: %p, %v", got, ok)
	}
	c.Clean(7)
	if got, ok := c.Get(7); !ok || got != p {
		t.Fatalf("cleaned page within budget dropped: %p, %v", got, ok)
	}
	c.Clean(7) // not dirty any more: nothing to do
	if c.DirtyLen() != 0 {
		t.Errorf("DirtyLen after Clean = %d", c.DirtyLen())
	}
	checkShards(t, c)
}

func TestDirtySorted(t *testing.T) {
	c := New(1 << 20)
	ids := []uint64{42, 7, 1 << 40, 3, 99, 1000, 8, 0, 65, 64}
	for _, id := range ids {
		c.AddDirty(newPage(id))
	}
	c.Add(newPage(500)) // clean: not listed
	c.Add(newPage(501))
	c.MarkDirty(501)
	ids = append(ids, 501)
	slices.Sort(ids)
	var got []uint64
	for _, p := range c.Dirty() {
		got = append(got, p.ID())
	}
	if !slices.Equal(got, ids) {
		t.Errorf("Dirty ids = %v, want %v", got, ids)
	}
	if c.DirtyLen() != len(ids) || c.DirtyBytes() != int64(len(ids))*page.Size {
		t.Errorf("DirtyLen, DirtyBytes = %d, %d; want %d pages", c.DirtyLen(), c.DirtyBytes(), len(ids))
	}
}

func TestPin(t *testing.T) {
	c := New(0)
	if c.Pin(1) {
		t.Fatal("Pin of an uncached page returned true")
	}
	c.Unpin(1) // not pinned: nothing to do
	p := newPage(1)
	c.Add(p)
	if !c.Pin(1) {
		t.Fatal("Pin of a cached page returned false")
	}
	if !c.Pin(1) { // pins nest
		t.Fatal("second Pin of a cached page returned false")
	}
	if st := c.Stats(); st.Pinned != 1 {
		t.Errorf("Pinned = %d, want 1", st.Pinned)
	}
	// flood presses on both 2Q queues: pages read twice fill frequent,
	// pages read once fill recent.
	flood := func(from uint64) {
		for id := from; id < from+100; id++ {
			c.Add(newPage(id))
			c.Get(id)
		}
		for id := from + 100; id < from+200; id++ {
			c.Add(newPage(id))
		}
	}
	flood(100)
	c.Unpin(1) // still pinned once
	flood(300)
	if got, ok := c.Get(1); !ok || got != p {
		t.Fatalf("pinned page evicted: %p, %v", got, ok)
	}
	// A pinned clean page takes a newer copy and stays pinned.
	q := newPage(1)
	c.Add(q)
	flood(500)
	if got, ok := c.Get(1); !ok || got != q {
		t.Fatalf("pinned page after Add: %p, %v; want %p", got, ok, q)
	}
	c.Unpin(1)
	c.Unpin(1) // one too many: nothing to do
	if st := c.Stats(); st.Pinned != 0 {
		t.Errorf("Pinned = %d, want 0", st.Pinned)
	}
	flood(700)
	if _, ok := c.Get(1); ok {
		t.Error("unpinned page survived 200 newer pages")
	}
	checkShards(t, c)
}

func TestPinnedDirty(t *testing.T) {
	c := New(0)
	p := newPage(1)
	c.AddDirty(p)
	c.Pin(1)
	c.Clean(1)
	for id := uint64(100); id < 200; id++ {
		c.Add(newPage(id))
	}
	if got, ok := c.Get(1); !ok || got != p {
		t.Fatalf("cleaned but pinned page evicted: %p, %v", got, ok)
	}
	c.MarkDirty(1)
	c.Unpin(1)
	for id := uint64(200); id < 300; id++ {
		c.Add(newPage(id))
	}
	if got, ok := c.Get(1); !ok || got != p {
		t.Fatalf("unpinned but dirty page evicted: %p, %v", got, ok)
	}
	checkShards(t, c)
}

func TestRemove(t *testing.T) {
	c := New(0)
	c.Add(newPage(1))
	c.AddDirty(newPage(2))
	c.Add(newPage(3))
	c.Pin(3)
	c.AddDirty(newPage(4))
	c.Pin(4)
	c.Remove(99) // not cached: nothing to do
	for id := uint64(1); id <= 4; id++ {
		c.Remove(id)
		if _, ok := c.Get(id); ok {
			t.Errorf("page %d still cached after Remove", id)
		}
		if c.Len() != int(4-id) {
			t.Errorf("Len after removing %d = %d, want %d", id, c.Len(), 4-id)
		}
	}
	if st := c.Stats(); st.Dirty != 0 || st.Pinned != 0 || len(c.Dirty()) != 0 {
		t.Errorf("after Remove: Stats = %+v, Dirty = %v", st, c.Dirty())
	}
	c.Unpin(3) // pin was dropped with the page: nothing to do
	checkShards(t, c)
}

func TestPurge(t *testing.T) {
	c := New(0)
	c.Add(newPage(1))
	c.AddDirty(newPage(2))
	c.Add(newPage(3))
	c.Pin(3)
	c.Get(1)
	c.Purge()
	st := c.Stats()
	if st.Pages != 0 || st.Dirty != 0 || st.Pinned != 0 || st.Bytes != 0 || c.Len() != 0 {
		t.Errorf("after Purge: Stats = %+v", st)
	}
	if st.Hits != 1 {
		t.Errorf("Purge reset Hits to %d", st.Hits)
	}
	checkShards(t, c)
}

func TestHitMiss(t *testing.T) {
	c := New(0)
	c.Get(1)
	c.Add(newPage(1))
	c.AddDirty(newPage(2))
	c.Get(1)
	c.Get(1)
	c.Get(2)
	c.Get(3)
	st := c.Stats()
	if st.Hits != 3 || st.Misses != 2 {
		t.Errorf("Hits, Misses = %d, %d; want 3, 2", st.Hits, st.Misses)
	}
}

// TestScanResistance checks the reason for 2Q: a one-pass scan of many
// cold pages does not flush pages that are read repeatedly. Under plain
// LRU none of the hot pages would survive.
func TestScanResistance(t *testing.T) {
	c := New(1024 * page.Size)
	const hot = 128
	for id := range uint64(hot) {
		c.Add(newPage(id))
	}
	for range 2 {
		for id := range uint64(hot) {
			if _, ok := c.Get(id); !ok {
				t.Fatalf("hot page %d missing before the scan", id)
			}
		}
	}
	for id := uint64(1 << 20); id < 1<<20+50*1024; id++ {
		if _, ok := c.Get(id); !ok {
			c.Add(newPage(id))
		}
	}
	lost := 0
	for id := range uint64(hot) {
		if _, ok := c.Get(id); !ok {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("scan evicted %d of %d hot pages", lost, hot)
	}
	checkShards(t, c)
}

// TestSecondChance checks the reference bits: a page read between any two
// misses is never the one evicted, however the misses move pages through
// recent, frequent and the ghost list. Ids that come back soon after their
// eviction are ghost hits, which go straight to frequent and so make it
// evict too.
func TestSecondChance(t *testing.T) {
	c := New(0) // one shard of 16 pages
	const hot = 1 << 30
	p := newPage(hot)
	c.Add(p)
	rng := rand.New(rand.NewPCG(1, 2))
	next := uint64(0)
	for step := range 5000 {
		id := next
		if next > 0 && rng.IntN(2) == 0 {
			id = next - 1 - rng.Uint64N(min(next, 24))
		} else {
			next++
		}
		if _, ok := c.Get(id); !ok {
			c.Add(newPage(id))
		}
		if got, ok := c.Get(hot); !ok || got != p {
			t.Fatalf("step %d: page read after every miss was evicted", step)
		}
	}
	if st := c.Stats(); st.Evictions < 1000 {
		t.Errorf("only %d evictions: the test did not press on the cache", st.Evictions)
	}
	checkShards(t, c)
}

func TestGetHitDoesNotAllocate(t *testing.T) {
	c := New(0)
	c.Add(newPage(1))
	c.Get(1)
	c.AddDirty(newPage(2))
	if n := testing.AllocsPerRun(100, func() {
		c.Get(1)
		c.Get(2)
	}); n != 0 {
		t.Errorf("Get hit allocates %v times", n)
	}
}
