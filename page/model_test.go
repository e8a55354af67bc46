package page_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/projstore/projstore/page"
)

// pageModel drives a slotted page and a plain [][]byte side by side.
type pageModel struct {
	p     *page.Page
	id    uint64
	cells [][]byte
	seed  uint64
	// Counters so the tests can show that the interesting paths ran.
	full, compacting int
}

func (m *pageModel) free() int {
	f := page.Size - page.HeaderSize
	for _, c := range m.cells {
		f -= len(c) + page.SlotSize
	}
	return f
}

func (m *pageModel) newCell(n int) []byte {
	m.seed++
	return cellOf(n, m.seed^m.id<<20)
}

// contiguous is the free run between the slot directory and the cells.
func (m *pageModel) contiguous() int {
	b := m.p.Bytes()
	return getU16(b, hdrUpper) - getU16(b, hdrLower)
}

// insert inserts c at i in both, checking the outcome the model predicts.
func (m *pageModel) insert(t rapid.TB, i int, c []byte) bool {
	t.Helper()
	fits := len(c) <= page.MaxCell && len(c)+page.SlotSize <= m.free()
	if got := m.p.Fits(len(c)); got != fits {
		t.Fatalf("Fits(%d) = %v, model says %v (free %d)", len(c), got, fits, m.free())
	}
	before := bytes.Clone(m.p.Bytes())
	needsCompact := fits && m.contiguous() < len(c)+page.SlotSize
	err := m.p.Insert(i, c)
	if !fits {
		if !errors.Is(err, page.ErrFull) {
			t.Fatalf("Insert(%d, %d bytes) with %d free = %v, want ErrFull", i, len(c), m.free(), err)
		}
		if !bytes.Equal(before, m.p.Bytes()) {
			t.Fatalf("Insert(%d, %d bytes) returned ErrFull but changed the page", i, len(c))
		}
		m.full++
		return false
	}
	if err != nil {
		t.Fatalf("Insert(%d, %d bytes) with %d free: %v", i, len(c), m.free(), err)
	}
	if needsCompact {
		m.compacting++
	}
	m.cells = slices.Insert(m.cells, i, c)
	return true
}

func (m *pageModel) delete(i int) {
	m.p.Delete(i)
	m.cells = slices.Delete(m.cells, i, i+1)
}

func (m *pageModel) replace(t rapid.TB, i int, c []byte) {
	t.Helper()
	old := len(m.cells[i])
	fits := len(c) <= old || (len(c) <= page.MaxCell && len(c)-old <= m.free())
	before := bytes.Clone(m.p.Bytes())
	err := m.p.Replace(i, c)
	if !fits {
		if !errors.Is(err, page.ErrFull) {
			t.Fatalf("Replace(%d, %d bytes over %d) with %d free = %v, want ErrFull", i, len(c), old, m.free(), err)
		}
		if !bytes.Equal(before, m.p.Bytes()) {
			t.Fatalf("Replace(%d) returned ErrFull but changed the page", i)
		}
		m.full++
		return
	}
	if err != nil {
		t.Fatalf("Replace(%d, %d bytes over %d) with %d free: %v", i, len(c), old, m.free(), err)
	}
	m.cells[i] = c
}

// check compares the page to the model and seals and verifies it.
func (m *pageModel) check(t rapid.TB) {
	t.Helper()
	p := m.p
	if p.Count() != len(m.cells) {
		t.Fatalf("Count() = %d, model has %d cells", p.Count(), len(m.cells))
	}
	for i, want := range m.cells {
		got := p.Cell(i)
		if !bytes.Equal(got, want) {
			t.Fatalf("Cell(%d) = %d bytes %x..., model has %d bytes %x...", i, len(got), got[:min(8, len(got))], len(want), want[:min(8, len(want))])
		}
		if cap(got) != len(got) {
			t.Fatalf("Cell(%d) has cap %d > len %d: appending would clobber the page", i, cap(got), len(got))
		}
		if p.CellLen(i) != len(want) {
			t.Fatalf("CellLen(%d) = %d, want %d", i, p.CellLen(i), len(want))
		}
	}
	if got, want := p.FreeSpace(), m.free(); got != want {
		t.Fatalf("FreeSpace() = %d, model says %d", got, want)
	}
	if p.Used()+p.FreeSpace() != page.Size-page.HeaderSize {
		t.Fatalf("Used() %d + FreeSpace() %d != %d", p.Used(), p.FreeSpace(), page.Size-page.HeaderSize)
	}
	b := p.Bytes()
	if lower := getU16(b, hdrLower); lower != page.HeaderSize+page.SlotSize*len(m.cells) {
		t.Fatalf("lower = %d with %d cells", lower, len(m.cells))
	}
	if p.ID() != m.id {
		t.Fatalf("ID() = %d, want %d", p.ID(), m.id)
	}
	p.Seal()
	if err := page.Verify(p.Bytes(), m.id); err != nil {
		t.Fatalf("sealed page fails Verify: %v", err)
	}
	if err := page.Verify(p.Bytes(), m.id+1); !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("sealed page verified at the wrong id: %v", err)
	}
}

func TestPageModel(t *testing.T) {
	var totalFull, totalCompacting, totalFragmented int
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.Uint64().Draw(t, "id")
		typ := rapid.SampledFrom([]page.Type{page.TypeLeaf, page.TypeBranch}).Draw(t, "type")
		m := &pageModel{p: page.New(id, typ), id: id}
		if m.p.Type() != typ {
			t.Fatalf("Type() = %v, want %v", m.p.Type(), typ)
		}
		cellLen := rapid.OneOf(
			rapid.IntRange(1, 16),
			rapid.IntRange(1, 200),
			rapid.IntRange(1, page.MaxCell),
			rapid.IntRange(page.MaxCell-4, page.MaxCell),
		)
		index := func(t *rapid.T, n int, label string) int { return rapid.IntRange(0, n).Draw(t, label) }
		t.Repeat(map[string]func(*rapid.T){
			"": func(t *rapid.T) {
				m.check(t)
				b := m.p.Bytes()
				if getU16(b, hdrFrag) > 0 {
					totalFragmented++
				}
			},
			"Insert": func(t *rapid.T) {
				c := m.newCell(cellLen.Draw(t, "len"))
				m.insert(t, index(t, len(m.cells), "i"), c)
			},
			"InsertOversized": func(t *rapid.T) {
				c := m.newCell(rapid.IntRange(page.MaxCell+1, page.Size).Draw(t, "len"))
				if m.insert(t, index(t, len(m.cells), "i"), c) {
					t.Fatalf("a %d-byte cell was accepted, MaxCell is %d", len(c), page.MaxCell)
				}
			},
			"Fill": func(t *rapid.T) {
				// Insert until the page refuses, then once more with the
				// smallest cell that cannot fit.
				for {
					c := m.newCell(cellLen.Draw(t, "len"))
					if !m.insert(t, index(t, len(m.cells), "i"), c) {
						break
					}
				}
				if n := m.free() - page.SlotSize + 1; n >= 1 && n <= page.MaxCell {
					m.insert(t, index(t, len(m.cells), "i"), m.newCell(n))
				}
				if n := m.free() - page.SlotSize; n >= 1 && n <= page.MaxCell {
					// Exactly fills the page.
					if !m.insert(t, index(t, len(m.cells), "i"), m.newCell(n)) {
						t.Fatalf("a cell of exactly the free space did not fit")
					}
					if m.p.FreeSpace() != 0 {
						t.Fatalf("FreeSpace() = %d after filling the page exactly", m.p.FreeSpace())
					}
				}
			},
			"Delete": func(t *rapid.T) {
				if len(m.cells) == 0 {
					t.Skip("empty")
				}
				m.delete(index(t, len(m.cells)-1, "i"))
			},
			"DeleteOutOfRange": func(t *rapid.T) {
				before := bytes.Clone(m.p.Bytes())
				m.p.Delete(len(m.cells))
				m.p.Delete(-1)
				if !bytes.Equal(before, m.p.Bytes()) {
					t.Fatalf("Delete of an absent slot changed the page")
				}
			},
			"Fragment": func(t *rapid.T) {
				// Delete every k-th cell, leaving holes all over the area.
				k := rapid.IntRange(2, 4).Draw(t, "k")
				for i := len(m.cells) - 1; i >= 0; i-- {
					if i%k == 0 {
						m.delete(i)
					}
				}
			},
			"ReplaceShorter": func(t *rapid.T) {
				if len(m.cells) == 0 {
					t.Skip("empty")
				}
				i := index(t, len(m.cells)-1, "i")
				m.replace(t, i, m.newCell(rapid.IntRange(1, len(m.cells[i])).Draw(t, "len")))
			},
			"ReplaceLonger": func(t *rapid.T) {
				if len(m.cells) == 0 {
					t.Skip("empty")
				}
				i := index(t, len(m.cells)-1, "i")
				if len(m.cells[i]) >= page.MaxCell {
					t.Skip("already MaxCell")
				}
				m.replace(t, i, m.newCell(rapid.IntRange(len(m.cells[i])+1, page.MaxCell).Draw(t, "len")))
			},
			"ReplaceExactFit": func(t *rapid.T) {
				// Grow a cell by exactly the free space, or by one byte more.
				if len(m.cells) == 0 {
					t.Skip("empty")
				}
				i := index(t, len(m.cells)-1, "i")
				n := len(m.cells[i]) + m.free() + rapid.IntRange(0, 1).Draw(t, "over")
				if n > page.MaxCell {
					t.Skip("beyond MaxCell")
				}
				m.replace(t, i, m.newCell(n))
			},
			"ReplaceOversized": func(t *rapid.T) {
				if len(m.cells) == 0 {
					t.Skip("empty")
				}
				m.replace(t, index(t, len(m.cells)-1, "i"), m.newCell(page.MaxCell+1))
			},
			"Compact": func(t *rapid.T) {
				free := m.p.FreeSpace()
				m.p.Compact()
				b := m.p.Bytes()
				if getU16(b, hdrFrag) != 0 || m.contiguous() != free {
					t.Fatalf("after Compact: frag %d, contiguous %d, want 0 and %d", getU16(b, hdrFrag), m.contiguous(), free)
				}
			},
			"Clear": func(t *rapid.T) {
				if rapid.IntRange(0, 4).Draw(t, "rarely") != 0 {
					t.Skip("keep the page populated most of the time")
				}
				m.p.Clear()
				m.cells = nil
			},
			"Truncate": func(t *rapid.T) {
				n := index(t, len(m.cells), "n")
				m.p.Truncate(n)
				m.cells = m.cells[:n]
			},
		})
		totalFull += m.full
		totalCompacting += m.compacting
	})
	// The interesting paths must have run, or the property proves little.
	if totalFull == 0 || totalCompacting == 0 || totalFragmented == 0 {
		t.Fatalf("coverage: %d ErrFull, %d inserts needing Compact, %d fragmented states", totalFull, totalCompacting, totalFragmented)
	}
	t.Logf("%d ErrFull, %d inserts needing Compact, %d fragmented states", totalFull, totalCompacting, totalFragmented)
}

// TestFragmentationSoak runs long random sequences that keep the page near
// full, so nearly every insert has to reclaim holes with Compact.
func TestFragmentationSoak(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 0xfeed))
		m := &pageModel{p: page.New(seed, page.TypeLeaf), id: seed, seed: seed << 32}
		for step := 0; step < 20000; step++ {
			switch op := r.IntN(10); {
			case op < 5:
				var n int
				if r.IntN(4) == 0 {
					n = 1 + r.IntN(page.MaxCell)
				} else {
					n = 1 + r.IntN(64)
				}
				m.insert(t, r.IntN(len(m.cells)+1), m.newCell(n))
			case op < 8 && len(m.cells) > 0:
				m.delete(r.IntN(len(m.cells)))
			case op < 9 && len(m.cells) > 0:
				i := r.IntN(len(m.cells))
				m.replace(t, i, m.newCell(1+r.IntN(min(page.MaxCell, 2*len(m.cells[i])))))
			default:
				if len(m.cells) > 0 {
					n := r.IntN(len(m.cells))
					m.p.Truncate(n)
					m.cells = m.cells[:n]
				}
			}
			m.check(t)
		}
		if m.compacting < 50 || m.full < 20 {
			t.Fatalf("seed %d: only %d compacting inserts and %d ErrFull", seed, m.compacting, m.full)
		}
	}
}

// TestCompactReclaimsHoles fills a page with small cells, deletes every other
// one and then inserts big cells that fit only once the holes are squeezed
// out.
func TestCompactReclaimsHoles(t *testing.T) {
	m := &pageModel{p: page.New(5, page.TypeLeaf), id: 5}
	for m.insert(t, len(m.cells), m.newCell(20)) {
	}
	for i := len(m.cells) - 1; i >= 0; i -= 2 {
		m.delete(i)
	}
	m.check(t)
	if m.contiguous() >= 504 {
		t.Fatalf("setup: contiguous free %d, want fragmentation", m.contiguous())
	}
	inserted := 0
	for m.insert(t, inserted, m.newCell(500)) {
		inserted++
		m.check(t)
	}
	if inserted < 3 || m.compacting == 0 {
		t.Fatalf("inserted %d big cells, %d needed Compact", inserted, m.compacting)
	}
	m.check(t)
}
