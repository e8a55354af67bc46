package page_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/projstore/projstore/page"
)

// TestReplaceInPlace checks the in-place path: the cell keeps its offset and
// the bytes it gives up become fragmented space.
func TestReplaceInPlace(t *testing.T) {
	p := page.New(1, page.TypeLeaf)
	for i := range 3 {
		if err := p.Insert(i, cellOf(50, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	free := p.FreeSpace()
	off, _ := slotAt(p.Bytes(), 1)
	if err := p.Replace(1, []byte("short")); err != nil {
		t.Fatal(err)
	}
	if o, l := slotAt(p.Bytes(), 1); o != off || l != 5 || string(p.Cell(1)) != "short" {
		t.Fatalf("slot 1 = (%d, %d) %q, want (%d, 5) short", o, l, p.Cell(1), off)
	}
	if p.FreeSpace() != free+45 || getU16(p.Bytes(), hdrFrag) != 45 {
		t.Fatalf("FreeSpace %d frag %d after shrinking by 45", p.FreeSpace(), getU16(p.Bytes(), hdrFrag))
	}
	if !bytes.Equal(p.Cell(0), cellOf(50, 0)) || !bytes.Equal(p.Cell(2), cellOf(50, 2)) {
		t.Fatal("neighbours changed")
	}
	if err := page.Verify(sealedBytes(p), 1); err != nil {
		t.Fatal(err)
	}
}

// TestReplaceGrowBoundary grows a cell by exactly the free space (fits) and
// by one byte more (ErrFull, page unchanged), on a fragmented page.
func TestReplaceGrowBoundary(t *testing.T) {
	for _, over := range []int{0, 1} {
		p := page.New(1, page.TypeLeaf)
		var cells [][]byte
		for p.Fits(300) {
			c := cellOf(300, uint64(len(cells)))
			if err := p.Insert(len(cells), c); err != nil {
				t.Fatal(err)
			}
			cells = append(cells, c)
		}
		p.Delete(1) // a hole, so the growth needs Compact
		cells = append(cells[:1], cells[2:]...)
		n := 300 + p.FreeSpace() + over
		if n > page.MaxCell {
			t.Fatalf("setup: %d > MaxCell", n)
		}
		before := bytes.Clone(p.Bytes())
		grown := cellOf(n, 99)
		err := p.Replace(2, grown)
		if over == 0 {
			if err != nil || p.FreeSpace() != 0 {
				t.Fatalf("grow to %d bytes (exact fit): %v, free %d", n, err, p.FreeSpace())
			}
			cells[2] = grown
		} else if !errors.Is(err, page.ErrFull) || !bytes.Equal(before, p.Bytes()) {
			t.Fatalf("grow to %d bytes (one too many): %v", n, err)
		}
		if p.Count() != len(cells) {
			t.Fatalf("count %d, want %d", p.Count(), len(cells))
		}
		for i, c := range cells {
			if !bytes.Equal(p.Cell(i), c) {
				t.Fatalf("over %d: cell %d differs", over, i)
			}
		}
		if err := page.Verify(sealedBytes(p), 1); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplaceEmptyCellLeavesPageUnchanged: a zero-length cell is invalid
// (Alloc rejects it, Verify rejects a zero-length slot), so Replace must
// refuse it without touching the page. page.go deletes the old cell first
// and only then fails in Insert, so the cell is lost although Replace
// reports an error.
func TestReplaceEmptyCellLeavesPageUnchanged(t *testing.T) {
	p := page.New(1, page.TypeLeaf)
	for i := range 3 {
		if err := p.Insert(i, cellOf(20, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	before := bytes.Clone(p.Bytes())
	for _, empty := range [][]byte{nil, {}} {
		if err := p.Replace(1, empty); err == nil {
			t.Fatalf("Replace(1, %#v) = nil, want an error", empty)
		}
		if p.Count() != 3 || !bytes.Equal(p.Bytes(), before) {
			t.Fatalf("failed Replace(1, empty) changed the page: count %d (was 3)", p.Count())
		}
	}
}

// TestReplaceOutOfRange: Alloc and Delete check the slot index, Replace does
// not. Replace(Count(), c) reads the stale slot left in the free space by an
// earlier delete and overwrites whichever live cell that slot pointed to,
// then returns nil.
func TestReplaceOutOfRange(t *testing.T) {
	const id = 1
	p := page.New(id, page.TypeLeaf)
	a, b := bytes.Repeat([]byte("a"), 10), bytes.Repeat([]byte("b"), 10)
	if err := p.Insert(0, a); err != nil {
		t.Fatal(err)
	}
	if err := p.Insert(1, b); err != nil {
		t.Fatal(err)
	}
	// Deleting slot 0 shifts b's slot down but leaves its old copy at slot 1
	// in what is now free space.
	p.Delete(0)
	// Slot -1 is the top half of aux: with this branch pointer it reads as
	// (offset 8, length 16), so Replace(-1) would write over the page id.
	p.SetAux(uint64(16<<16|8) << 32)
	before := bytes.Clone(p.Bytes())
	for _, i := range []int{p.Count(), p.Count() + 1, -1} {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Replace(%d) panicked: %v", i, r)
				}
			}()
			err = p.Replace(i, []byte("evil!"))
		}()
		if err == nil {
			t.Errorf("Replace(%d) on a page of %d cells = nil, want an error", i, p.Count())
		}
		if !bytes.Equal(p.Bytes(), before) {
			t.Errorf("Replace(%d) changed the page: id %#x (was %d), cell 0 %q (was %q)", i, p.ID(), id, p.Cell(0), b)
			copy(p.Bytes(), before)
		}
	}
	if err := page.Verify(sealedBytes(p), id); err != nil {
		t.Errorf("page corrupt after out-of-range Replace: %v", err)
	}
}

// TestTruncateNegative: Truncate(n) drops every cell from slot n on; a
// negative n drops them all. page.go loops forever: Delete(-1) is a no-op so
// Count() > n never becomes false.
func TestTruncateNegative(t *testing.T) {
	p := page.New(1, page.TypeLeaf)
	for i := range 4 {
		if err := p.Insert(i, cellOf(8, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Truncate(0) and Truncate(Count()) and beyond are the well-defined cases.
	q := page.New(1, page.TypeLeaf)
	q.CopyFrom(p)
	q.Truncate(q.Count() + 5)
	if q.Count() != 4 {
		t.Fatalf("Truncate past the end dropped cells: %d left", q.Count())
	}
	q.Truncate(0)
	if q.Count() != 0 || q.FreeSpace() != page.Size-page.HeaderSize {
		t.Fatalf("Truncate(0): count %d free %d", q.Count(), q.FreeSpace())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Truncate(-1)
	}()
	select {
	case <-done:
		if p.Count() != 0 {
			t.Fatalf("Truncate(-1) left %d cells", p.Count())
		}
	case <-time.After(2 * time.Second):
		// The goroutine cannot be stopped; it spins until the test binary
		// exits.
		t.Fatal("Truncate(-1) did not return within 2s (infinite loop)")
	}
}

func TestAllocArguments(t *testing.T) {
	p := page.New(1, page.TypeLeaf)
	if err := p.Insert(0, []byte("x")); err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(p.Bytes())
	for _, c := range []struct{ i, n int }{{-1, 5}, {2, 5}, {0, 0}, {0, -1}} {
		b, err := p.Alloc(c.i, c.n)
		if err == nil || b != nil || errors.Is(err, page.ErrFull) {
			t.Errorf("Alloc(%d, %d) = %v, %v; want a usage error", c.i, c.n, b, err)
		}
	}
	if !bytes.Equal(before, p.Bytes()) {
		t.Fatal("rejected Alloc changed the page")
	}
	b, err := p.Alloc(0, 4)
	if err != nil || len(b) != 4 || cap(b) != 4 {
		t.Fatalf("Alloc(0, 4) = len %d cap %d, %v", len(b), cap(b), err)
	}
	copy(b, "abcd")
	if string(p.Cell(0)) != "abcd" || string(p.Cell(1)) != "x" {
		t.Fatalf("cells %q %q", p.Cell(0), p.Cell(1))
	}
}
