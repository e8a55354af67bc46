package pager_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/vfs"
	"github.com/projstore/projstore/vfs/fault"
)

func openPager(t testing.TB, fsys vfs.FS, opts pager.Options) *pager.Pager {
	t.Helper()
	f, err := fsys.Open(dbPath, mode(opts.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pager.Open(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReuseWaitsForNextCommit runs random epochs of allocations,
// copy-on-write and frees, and checks every id the pager hands out (pages
// and the free list's own reserved pages): an id freed by commit g comes
// back only in epoch g+2 or later, once commit g+1 is durable (an id
// allocated and freed in one epoch was never durable: it may come back at
// once, as the commit's own free-list page for one). It also
// checks that ids do come back: under a steady load the file stops growing.
func TestReuseWaitsForNextCommit(t *testing.T) {
	fsys := vfs.NewMem()
	p := openPager(t, fsys, pager.Options{CacheBytes: 1 << 20})
	r := rand.New(rand.NewPCG(1, 2))
	freedBy := map[uint64]uint64{} // id -> the commit that freed it
	born := map[uint64]uint64{}    // id -> the epoch that handed it out
	live := map[uint64]bool{}
	reused := 0
	handOut := func(id uint64) {
		epoch := p.Next().Generation
		born[id] = epoch
		if g, ok := freedBy[id]; ok {
			if epoch < g+2 {
				t.Fatalf("epoch %d hands out id %d, freed by commit %d (durable: %d)", epoch, id, g, p.Durable().Generation)
			}
			delete(freedBy, id)
			reused++
		}
	}
	const epochs, steady = 120, 60
	var grown uint64
	for e := 0; e < epochs; e++ {
		// Grow to 400 pages, then hold: 40 new, 40 copied, 40 freed.
		n := 40
		if e < 10 {
			n = 80
		}
		for range n {
			pg, err := p.Alloc(page.TypeLeaf)
			must(t, err)
			handOut(pg.ID())
			live[pg.ID()] = true
		}
		ids := sortedIDs(live)
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for _, id := range ids[:40] { // copy-on-write (or in place if fresh)
			pg, err := p.Write(id)
			must(t, err)
			if pg.ID() != id {
				handOut(pg.ID())
				delete(live, id)
				live[pg.ID()] = true
			}
		}
		if e >= 10 {
			for _, id := range ids[40:80] {
				p.Free(id)
				delete(live, id)
			}
		}
		gen := p.Next().Generation
		for _, id := range p.Freed() {
			if born[id] != gen {
				freedBy[id] = gen
			}
		}
		must(t, p.Commit())
		handOut(p.Durable().FreeTail) // reserved during the commit
		if e == steady {
			grown = p.PageCount()
		}
	}
	if reused == 0 {
		t.Fatal("no id was ever reused")
	}
	if pc := p.PageCount(); pc > grown+2 {
		t.Fatalf("file grew from %d to %d pages under a steady load", grown, pc)
	}
	must(t, accountPages(p, sortedIDs(live)))
}

// TestFreeListCost measures the file writes of a commit that frees k pages
// and rewrites d: d pages, ceil(k/FreeCapacity) free-list pages and the
// superblock, the same whether the free list already holds a few ids or
// tens of thousands. Reads stay constant too, and Open reads the two
// superblock slots and nothing else.
func TestFreeListCost(t *testing.T) {
	const d = 10
	var base []int64                     // writes per k, with a small free list
	big, ks := 8000, []int{1, 100, 2000} // 8000 ids: sixteen free-list pages
	if raceEnabled {
		big, ks = 1500, []int{1, 600}
	}
	for _, backlog := range []int{0, big} {
		for i, k := range ks {
			fsys := fault.New()
			p := openPager(t, fsys, pager.Options{})
			// The backlog: pages allocated, committed, then freed and
			// committed twice more, so the list holds them (reusable).
			var ids []uint64
			for range backlog {
				pg, err := p.Alloc(page.TypeLeaf)
				must(t, err)
				ids = append(ids, pg.ID())
			}
			// A page in use after them, so that they are not the free
			// end of the file, which a commit gives back.
			sentinel, err := p.Alloc(page.TypeLeaf)
			must(t, err)
			must(t, p.Commit())
			for _, id := range ids {
				p.Free(id)
			}
			must(t, p.Commit())
			p.ForceCommit()
			must(t, p.Commit())
			// The pages under test.
			var victims, rewrite []uint64
			for range k + d {
				pg, err := p.Alloc(page.TypeLeaf)
				must(t, err)
				victims = append(victims, pg.ID())
			}
			victims, rewrite = victims[:k], victims[k:]
			must(t, p.Commit())
			// (A shrink may move the list's reserved tail to one of them.)
			if got := p.Durable().FreeCount; got+uint64(k+d)+1 < uint64(backlog) {
				t.Fatalf("backlog %d: free list holds %d ids", backlog, got)
			}
			p.Close()

			// Reopen: only the two slots are read.
			fsys.Reset()
			p = openPager(t, fsys, pager.Options{})
			if ops := fsys.Log(); len(ops) != 2 || ops[0].Kind != fault.OpRead || ops[1].Kind != fault.OpRead {
				t.Fatalf("backlog %d: Open did %v, want two reads", backlog, ops)
			}
			for _, id := range victims {
				p.Free(id)
			}
			for i, id := range rewrite {
				pg, err := p.Write(id)
				must(t, err)
				rewrite[i] = pg.ID()
			}
			fsys.Reset()
			must(t, p.Commit())
			var writes, reads int64
			for _, op := range fsys.Log() {
				switch op.Kind {
				case fault.OpWrite:
					writes += int64(op.Len / page.Size) // runs of pages go out in one write
				case fault.OpRead:
					reads++
				}
			}
			want := int64(d + (k+page.FreeCapacity-1)/page.FreeCapacity + 1)
			if writes > want || reads > 2 {
				t.Fatalf("backlog %d, k %d: commit wrote %d pages (want at most %d) and read %d", backlog, k, writes, want, reads)
			}
			if backlog == 0 {
				base = append(base, writes)
			} else if writes != base[i] {
				t.Fatalf("k %d: commit wrote %d pages with a free list of %d ids, %d with an empty one", k, writes, backlog, base[i])
			}
			must(t, accountPages(p, append(rewrite, sentinel.ID())))
			p.Close()
		}
	}
}

// TestBothSlotsComplete commits a series of steps and after each opens the
// older slot: it holds the previous step, whole.
func TestBothSlotsComplete(t *testing.T) {
	fsys := vfs.NewMem()
	h := mustOpen(t, fsys, pager.Options{CacheBytes: 256 << 10})
	defer h.p.Close()
	prev := h.state()
	for n := uint64(1); n <= 12; n++ {
		must(t, h.apply(n, 150))
		must(t, h.p.Commit())
		if n == 1 {
			prev = h.state()
			continue // the older slot of a new file is the invalid initial one
		}
		older := mustOpen(t, fsys, pager.Options{Older: true, ReadOnly: true})
		if !older.is(prev) {
			t.Fatalf("after step %d: older slot holds step %d with %d keys, want step %d with %d keys", n, older.step, len(older.model), prev.step, len(prev.model))
		}
		if err := account(older.p, older.tree.Root); err != nil {
			t.Fatalf("after step %d, older slot: %v", n, err)
		}
		older.p.Close()
		newer := mustOpen(t, fsys, pager.Options{ReadOnly: true})
		if !newer.is(h.state()) {
			t.Fatalf("after step %d: newer slot holds step %d", n, newer.step)
		}
		newer.p.Close()
		prev = h.state()
	}
	if ids := slices.Collect(func(yield func(uint64) bool) {
		_ = h.p.FreeList(h.p.Next(), func(id, gen uint64) error { yield(id); return nil })
	}); len(ids) == 0 {
		t.Fatal("the workload freed nothing: the test proves little")
	}
}
