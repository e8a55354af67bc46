package pager_test

import (
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/vfs"
)

// The dirty-page budget is its own option: a large cache does not let a
// commit hold more changed pages than DirtyBytes before NeedSpill says so.
func TestDirtyBudget(t *testing.T) {
	for _, c := range []struct {
		cache, dirty int64
		spillAt      int // pages
	}{
		{1 << 30, 1 << 20, 256},
		{8 << 20, 0, 1024}, // 0: half the cache
	} {
		f, err := vfs.NewMem().Open("db", vfs.Create)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pager.Open(f, pager.Options{CacheBytes: c.cache, DirtyBytes: c.dirty})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c.spillAt; i++ {
			if p.NeedSpill() {
				t.Fatalf("cache %d, dirty %d: NeedSpill after %d pages, want %d", c.cache, c.dirty, i, c.spillAt)
			}
			if _, err := p.Alloc(page.TypeLeaf); err != nil {
				t.Fatal(err)
			}
		}
		if !p.NeedSpill() {
			t.Fatalf("cache %d, dirty %d: no NeedSpill after %d pages", c.cache, c.dirty, c.spillAt)
		}
		p.Close()
	}
}
