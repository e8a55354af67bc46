package cache

import (
	"slices"
	"testing"

	"github.com/projstore/projstore/page"
	"pgregory.net/rapid"
)

// known is what the model knows of a page. A clean, unpinned page may
// have been evicted at any time, so for those the model knows only which
// pointer a hit must return.
type known struct {
	p     *page.Page
	dirty bool
	pins  int
}

func (e *known) held() bool { return e.dirty || e.pins > 0 }

// TestModel runs random operations against a Cache and a map that says
// what must be cached: dirty and pinned pages always, with the pointer
// last given; any other page maybe, but never a stale pointer.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := New(int64(rapid.SampledFrom([]int{16, 64, 100}).Draw(t, "pages")) * page.Size)
		limit := capacity(c)
		m := map[uint64]*known{}
		var hits, misses uint64
		ids := rapid.Uint64Range(0, uint64(3*limit))

		// gone says the page may have been evicted: it was clean and the
		// cache no longer has it, so the model forgets it.
		gone := func(t *rapid.T, id uint64) {
			if e, ok := m[id]; ok {
				if e.held() {
					t.Fatalf("page %d (dirty %v, pins %d) missing", id, e.dirty, e.pins)
				}
				delete(m, id)
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"Add": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				p := newPage(id)
				c.Add(p)
				e, ok := m[id]
				switch {
				case ok && e.dirty:
				case ok && e.pins > 0:
					e.p = p
				default:
					m[id] = &known{p: p}
				}
			},
			"AddDirty": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				p := newPage(id)
				c.AddDirty(p)
				e, ok := m[id]
				if !ok {
					e = &known{}
					m[id] = e
				}
				e.p, e.dirty = p, true
			},
			"Get": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				p, ok := c.Get(id)
				if !ok {
					misses++
					gone(t, id)
					return
				}
				hits++
				e, known := m[id]
				if !known || p != e.p {
					t.Fatalf("Get(%d) = %p, want the last page given (%v)", id, p, known)
				}
			},
			"MarkDirty": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				if !c.MarkDirty(id) {
					gone(t, id)
					return
				}
				e, ok := m[id]
				if !ok {
					t.Fatalf("MarkDirty(%d) of a page never added", id)
				}
				e.dirty = true
			},
			"Clean": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				c.Clean(id)
				if e, ok := m[id]; ok {
					e.dirty = false
				}
			},
			"Pin": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				if !c.Pin(id) {
					gone(t, id)
					return
				}
				e, ok := m[id]
				if !ok {
					t.Fatalf("Pin(%d) of a page never added", id)
				}
				e.pins++
			},
			"Unpin": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				c.Unpin(id)
				if e, ok := m[id]; ok && e.pins > 0 {
					e.pins--
				}
			},
			"Remove": func(t *rapid.T) {
				id := ids.Draw(t, "id")
				c.Remove(id)
				delete(m, id)
			},
			"Purge": func(t *rapid.T) {
				if rapid.IntRange(0, 9).Draw(t, "purge") != 0 {
					t.Skip("purge rarely")
				}
				c.Purge()
				clear(m)
			},
			"": func(t *rapid.T) {
				var dirty []uint64
				nheld, npinned := 0, 0
				for id, e := range m {
					if !e.held() {
						continue
					}
					nheld++
					if e.dirty {
						dirty = append(dirty, id)
					}
					if e.pins > 0 {
						npinned++
					}
					// Look inside rather than Get, which would count a hit.
					s := c.shard(id)
					h, ok := s.m[id]
					if !ok || h.p != e.p || !h.held() {
						t.Fatalf("page %d (dirty %v, pins %d) not held with the last pointer", id, e.dirty, e.pins)
					}
				}
				slices.Sort(dirty)
				var got []uint64
				for _, p := range c.Dirty() {
					if p != m[p.ID()].p {
						t.Fatalf("Dirty returned a stale copy of page %d", p.ID())
					}
					got = append(got, p.ID())
				}
				if !slices.Equal(got, dirty) {
					t.Fatalf("Dirty ids = %v, want %v", got, dirty)
				}
				st := c.Stats()
				if st.Dirty != len(dirty) || c.DirtyLen() != len(dirty) || st.Pinned != npinned {
					t.Fatalf("Stats = %+v, DirtyLen %d; want %d dirty, %d pinned", st, c.DirtyLen(), len(dirty), npinned)
				}
				if st.Hits != hits || st.Misses != misses {
					t.Fatalf("Hits, Misses = %d, %d; want %d, %d", st.Hits, st.Misses, hits, misses)
				}
				if n := c.Len(); n > limit+nheld || n != st.Pages {
					t.Fatalf("Len %d, Stats.Pages %d, capacity %d, held %d", n, st.Pages, limit, nheld)
				}
				checkShards(t, c)
			},
		})
	})
}
