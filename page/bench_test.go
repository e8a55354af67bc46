package page_test

import (
	"testing"

	"github.com/projstore/projstore/page"
)

// fullLeaf returns a page filled with 100-byte cells (39 fit exactly).
func fullLeaf(b *testing.B) *page.Page {
	p := page.New(1, page.TypeLeaf)
	for p.Fits(100) {
		if err := p.Insert(p.Count(), cellOf(100, uint64(p.Count()))); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

func BenchmarkSeal(b *testing.B) {
	p := fullLeaf(b)
	b.SetBytes(page.Size)
	b.ReportAllocs()
	for b.Loop() {
		p.Seal()
	}
}

func BenchmarkVerify(b *testing.B) {
	p := fullLeaf(b)
	p.Seal()
	buf := p.Bytes()
	b.SetBytes(page.Size)
	b.ReportAllocs()
	for b.Loop() {
		if err := page.Verify(buf, 1); err != nil {
			b.Fatal(err)
		}
	}
}

var sink int

func BenchmarkCell(b *testing.B) {
	p := fullLeaf(b)
	n := p.Count()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sink += int(p.Cell(i)[0])
		if i++; i == n {
			i = 0
		}
	}
}

func BenchmarkInsertDelete(b *testing.B) {
	cell := cellOf(100, 9)
	b.Run("contiguous", func(b *testing.B) {
		// Half-full page: insert in the middle, delete it again.
		p := page.New(1, page.TypeLeaf)
		for range 20 {
			p.Insert(p.Count(), cell)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Insert(10, cell); err != nil {
				b.Fatal(err)
			}
			p.Delete(10)
		}
	})
	b.Run("compacting", func(b *testing.B) {
		// Full page used as a queue: deleting slot 0 leaves a hole, so each
		// append has to Compact first.
		p := fullLeaf(b)
		b.ReportAllocs()
		for b.Loop() {
			p.Delete(0)
			if err := p.Insert(p.Count(), cell); err != nil {
				b.Fatal(err)
			}
		}
	})
}
