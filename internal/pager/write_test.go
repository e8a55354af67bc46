package pager_test

import (
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/vfs"
)

// TestWriteAfterSpill checks Write's fast path against spills: a page
// dirty in this epoch comes back as is, and one a Spill cleaned must be
// registered dirty again, or the commit would not write its later change.
func TestWriteAfterSpill(t *testing.T) {
	fsys := vfs.NewMem()
	f, err := fsys.Open("db", vfs.Create)
	must(t, err)
	// A cache of 16 pages, so spilled pages are evicted too.
	p, err := pager.Open(f, pager.Options{CacheBytes: 16 * page.Size})
	must(t, err)
	const n = 64
	ids := make([]uint64, n)
	for i := range ids {
		pg, err := p.Alloc(page.TypeOverflow)
		must(t, err)
		pg.SetPayload([]byte{byte(i)})
		ids[i] = pg.ID()
		if again, err := p.Write(pg.ID()); err != nil || again != pg {
			t.Fatalf("Write of dirty page %d: %p, %v; want %p", pg.ID(), again, err, pg)
		}
	}
	must(t, p.Spill())
	if d := p.Cache().DirtyLen(); d != 0 {
		t.Fatalf("%d dirty pages after a spill", d)
	}
	for i, id := range ids {
		pg, err := p.Write(id)
		must(t, err)
		if pg.ID() != id {
			t.Fatalf("fresh page %d moved to %d", id, pg.ID())
		}
		pg.SetPayload([]byte{byte(i), 1})
	}
	if d := p.Cache().DirtyLen(); d != n {
		t.Fatalf("%d dirty pages after writing %d spilled ones", d, n)
	}
	must(t, p.Commit())
	must(t, p.Close())

	f, err = fsys.Open("db", vfs.ReadWrite)
	must(t, err)
	p, err = pager.Open(f, pager.Options{CacheBytes: 16 * page.Size})
	must(t, err)
	defer p.Close()
	for i, id := range ids {
		pg, err := p.Page(id)
		must(t, err)
		if got := pg.Payload(); len(got) != 2 || got[0] != byte(i) || got[1] != 1 {
			t.Fatalf("page %d holds %v after the commit, want [%d 1]", id, got, i)
		}
	}
}
