package page_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/projstore/projstore/page"
)

// TestIndexDroppedByCellChanges: the search index must not outlive a change
// to the cells, or a search would use stale heads.
func TestIndexDroppedByCellChanges(t *testing.T) {
	build := func() *page.Page {
		p := page.New(1, page.TypeLeaf)
		for i := range 6 {
			if err := p.Insert(i, cellOf(30, uint64(i))); err != nil {
				t.Fatal(err)
			}
		}
		p.Delete(4) // leave a hole for Compact
		return p
	}
	drops := map[string]func(p *page.Page){
		"Insert":          func(p *page.Page) { p.Insert(0, []byte("x")) },
		"Alloc":           func(p *page.Page) { p.Alloc(p.Count(), 3) },
		"Delete":          func(p *page.Page) { p.Delete(2) },
		"Replace shorter": func(p *page.Page) { p.Replace(1, []byte("y")) },
		"Replace same":    func(p *page.Page) { p.Replace(1, cellOf(30, 77)) },
		"Replace longer":  func(p *page.Page) { p.Replace(1, cellOf(300, 77)) },
		"Truncate":        func(p *page.Page) { p.Truncate(2) },
		"Truncate(0)":     func(p *page.Page) { p.Truncate(0) },
		"Clear":           func(p *page.Page) { p.Clear() },
		"Reset":           func(p *page.Page) { p.Reset(1, page.TypeLeaf) },
	}
	for name, op := range drops {
		p := build()
		p.SetIndex(&page.Index{Prefix: 1})
		op(p)
		if p.Index() != nil {
			t.Errorf("%s kept the index", name)
		}
	}
	// These leave the cells as they are, so the index stays.
	keeps := map[string]func(p *page.Page){
		"Compact":             func(p *page.Page) { p.Compact() },
		"Seal":                func(p *page.Page) { p.Seal() },
		"readers":             func(p *page.Page) { p.Cell(0); p.CellLen(1); p.FreeSpace(); p.Used(); p.Fits(10) },
		"header setters":      func(p *page.Page) { p.SetGen(9); p.SetFlags(3); p.SetAux(4) },
		"Delete out of range": func(p *page.Page) { p.Delete(p.Count()); p.Delete(-1) },
		"Truncate past end":   func(p *page.Page) { p.Truncate(p.Count()) },
		"Insert too big":      func(p *page.Page) { p.Insert(0, cellOf(page.MaxCell+1, 1)) },
		"Alloc bad slot":      func(p *page.Page) { p.Alloc(-1, 3) },
	}
	for name, op := range keeps {
		p := build()
		ix := &page.Index{Prefix: 2, Heads: []uint64{1, 2, 3}}
		p.SetIndex(ix)
		op(p)
		if p.Index() != ix {
			t.Errorf("%s dropped the index", name)
		}
	}
	// CopyFrom carries the index with the bytes.
	p, q := build(), page.New(2, page.TypeBranch)
	ix := &page.Index{Prefix: 3}
	p.SetIndex(ix)
	q.SetIndex(&page.Index{})
	q.CopyFrom(p)
	if q.Index() != ix || !bytes.Equal(q.Bytes(), p.Bytes()) {
		t.Fatal("CopyFrom did not copy the bytes and the index")
	}
	q.Delete(0)
	if p.Index() != ix {
		t.Fatal("a change to the copy dropped the original's index")
	}
	p.CopyFrom(page.New(3, page.TypeLeaf))
	if p.Index() != nil {
		t.Fatal("CopyFrom of a page without an index kept the old one")
	}
}

// TestIndexConcurrentReaders: readers may build and attach the index while
// others read cells (run with -race).
func TestIndexConcurrentReaders(t *testing.T) {
	p, cells := leafWithCells(t, 1, 20)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if p.Index() == nil {
					p.SetIndex(&page.Index{Prefix: g, Heads: make([]uint64, p.Count())})
				}
				if ix := p.Index(); ix == nil || len(ix.Heads) != len(cells) {
					t.Error("index missing or of the wrong size")
					return
				}
				for i, c := range cells {
					if !bytes.Equal(p.Cell(i), c) {
						t.Errorf("cell %d changed", i)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestClearKeepsIdentity: Clear empties a slotted page but keeps its header
// identity.
func TestClearKeepsIdentity(t *testing.T) {
	p, _ := leafWithCells(t, 31, 10)
	p.SetFlags(0x55)
	p.SetGen(8)
	p.SetAux(77)
	p.Clear()
	if p.Count() != 0 || p.FreeSpace() != page.Size-page.HeaderSize {
		t.Fatalf("after Clear: count %d free %d", p.Count(), p.FreeSpace())
	}
	if p.ID() != 31 || p.Type() != page.TypeLeaf || p.Gen() != 8 || p.Flags() != 0x55 || p.Aux() != 77 {
		t.Fatalf("Clear changed the header identity: id %d type %v gen %d flags %#x aux %d", p.ID(), p.Type(), p.Gen(), p.Flags(), p.Aux())
	}
	if err := page.Verify(sealedBytes(p), 31); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := p.Insert(i, cellOf(page.MaxCell, uint64(i))); err != nil {
			t.Fatalf("after Clear, MaxCell insert %d: %v", i, err)
		}
	}
	if err := page.Verify(sealedBytes(p), 31); err != nil {
		t.Fatal(err)
	}
}

// AdoptIndex copies an index another page may share (the copy-on-write
// original keeps its own), and hands back the page's own index as is.
func TestAdoptIndex(t *testing.T) {
	a := page.New(3, page.TypeLeaf)
	ix := &page.Index{Prefix: 1, Heads: []uint64{1, 2, 3}}
	a.SetIndex(ix)
	b := page.New(4, page.TypeLeaf)
	b.CopyFrom(a)
	own := b.AdoptIndex(ix)
	if own == ix || b.Index() != own || a.Index() != ix {
		t.Fatalf("AdoptIndex of a shared index: got %p (shared %p), b has %p, a has %p", own, ix, b.Index(), a.Index())
	}
	own.Heads[0] = 9
	if ix.Heads[0] != 1 {
		t.Fatal("editing the adopted index changed the shared one")
	}
	if again := b.AdoptIndex(own); again != own {
		t.Fatalf("AdoptIndex of the page's own index copied it: %p, want %p", again, own)
	}
}
