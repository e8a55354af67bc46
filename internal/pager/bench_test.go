package pager_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/vfs"
)

// BenchmarkCommit measures a commit of N dirty pages on a real file: each
// iteration copies N committed pages (copy-on-write, so N ids are freed and
// N reused from the free list) and commits, two fdatasyncs included.
func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run("pages="+strconv.Itoa(n), func(b *testing.B) {
			f, err := vfs.OS.Open(filepath.Join(b.TempDir(), "db"), vfs.Create)
			if err != nil {
				b.Fatal(err)
			}
			p, err := pager.Open(f, pager.Options{CacheBytes: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			ids := make([]uint64, n)
			for i := range ids {
				pg, err := p.Alloc(page.TypeLeaf)
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = pg.ID()
			}
			if err := p.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(n) * page.Size)
			for b.Loop() {
				for i, id := range ids {
					pg, err := p.Write(id)
					if err != nil {
						b.Fatal(err)
					}
					ids[i] = pg.ID()
				}
				if err := p.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

// BenchmarkWriteDirty measures Write of a page already dirty in this
// epoch, the writer's common case: every change to a tree writes its path
// from the root, and most of those pages were written earlier in the epoch.
func BenchmarkWriteDirty(b *testing.B) {
	f, err := vfs.NewMem().Open("db", vfs.Create)
	if err != nil {
		b.Fatal(err)
	}
	p, err := pager.Open(f, pager.Options{CacheBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ids := make([]uint64, 1024)
	for i := range ids {
		pg, err := p.Alloc(page.TypeLeaf)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = pg.ID()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.Write(ids[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
