package page_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"os"
	"testing"

	"github.com/projstore/projstore/page"
)

// TestMain caps the fuzzer's input minimization at a few seconds unless
// -fuzzminimizetime is given. Inputs here are 4 KiB pages, and the default
// minute of minimizing each new input would eat all of a short -fuzztime.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "3s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// fuzzSeeds returns sealed valid pages of every type plus garbage.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	leaf, _ := leafWithCells(t, 42, 15)
	seeds = append(seeds, sealedBytes(leaf))
	seeds = append(seeds, sealedBytes(page.New(0, page.TypeLeaf)))
	branch, _ := leafWithCells(t, 7, 30)
	branch.Bytes()[hdrType] = byte(page.TypeBranch)
	seeds = append(seeds, sealedBytes(branch))
	full := page.New(3, page.TypeLeaf)
	for full.Fits(1) {
		full.Insert(full.Count()/2, []byte{byte(full.Count())})
	}
	seeds = append(seeds, sealedBytes(full))
	big := page.New(4, page.TypeBranch)
	for i := range 3 {
		big.Insert(i, cellOf(page.MaxCell, uint64(i)))
	}
	seeds = append(seeds, sealedBytes(big))
	over := page.New(5, page.TypeOverflow)
	over.SetPayload(cellOf(700, 5))
	seeds = append(seeds, sealedBytes(over))
	overFull := page.New(6, page.TypeOverflow)
	overFull.SetPayload(cellOf(page.OverflowCapacity, 6))
	seeds = append(seeds, sealedBytes(overFull))
	free := page.New(8, page.TypeFree)
	for i := range 100 {
		free.AppendFreeID(uint64(i * 11))
	}
	seeds = append(seeds, sealedBytes(free))
	freeFull := page.New(9, page.TypeFree)
	for freeFull.AppendFreeID(uint64(freeFull.Count())) {
	}
	seeds = append(seeds, sealedBytes(freeFull))
	super := page.New(1, page.TypeSuperblock)
	super.SetGen(12)
	copy(super.Bytes()[page.HeaderSize:], "PROJSTOR")
	seeds = append(seeds, sealedBytes(super))
	// Garbage.
	seeds = append(seeds, nil, []byte("projstore"), make([]byte, page.Size), cellOf(page.Size, 1),
		bytes.Repeat([]byte{0xFF}, page.Size), cellOf(page.Size-1, 2), cellOf(page.Size+1, 3))
	// A structurally bad but sealed page and a torn one.
	bad := sealedBytes(leaf)
	putU16(bad, hdrFrag, 1)
	reseal(bad)
	torn := append(sealedBytes(full)[:512:512], sealedBytes(leaf)[512:]...)
	seeds = append(seeds, bad, torn)
	return seeds
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ids := []uint64{0, 1, 42, math.MaxUint64}
		if len(data) >= 16 {
			ids = append(ids, binary.LittleEndian.Uint64(data[8:]))
		}
		for _, id := range ids {
			verifyAndExercise(t, data, id)
		}
		// Random bytes almost never carry a valid CRC; reseal an expanded
		// copy so that the structural checks and the accessors see the
		// input.
		p := expand(data)
		p.Seal()
		verifyAndExercise(t, p.Bytes(), p.ID())
	})
}

// expand turns a fuzz input into a page. A full-size input is the page
// itself. A shorter one is a page with its free space left out: the header
// and the slot directory (or payload, or ids) come first, the rest is the
// end of the cell area, and zeros fill the gap. That keeps small inputs
// meaningful, so the fuzzer's minimizer can shrink what it finds quickly.
func expand(data []byte) *page.Page {
	p := page.Blank()
	b := p.Bytes()
	if len(data) >= page.Size {
		copy(b, data)
		return p
	}
	front := page.HeaderSize
	if len(data) > hdrCount+1 {
		count := getU16(data, hdrCount)
		switch page.Type(data[hdrType]) {
		case page.TypeOverflow:
			front += count
		case page.TypeFree:
			front += 8 * count
		default:
			front += page.SlotSize * count
		}
	}
	front = min(front, len(data))
	copy(b, data[:front])
	copy(b[page.Size-(len(data)-front):], data[front:])
	return p
}

func verifyAndExercise(t *testing.T, b []byte, id uint64) {
	orig := bytes.Clone(b)
	err := page.Verify(b, id)
	if !bytes.Equal(orig, b) {
		t.Fatal("Verify changed its input")
	}
	if err != nil {
		if !errors.Is(err, page.ErrCorrupt) {
			t.Fatalf("Verify error %v does not match ErrCorrupt", err)
		}
		var ce *page.CorruptionError
		if !errors.As(err, &ce) || ce.Page != id {
			t.Fatalf("Verify error %#v is not a CorruptionError for page %d", err, id)
		}
		return
	}
	if len(b) != page.Size {
		t.Fatalf("Verify accepted %d bytes", len(b))
	}
	p := page.Blank()
	copy(p.Bytes(), b)
	if p.ID() != id {
		t.Fatalf("Verify(_, %d) accepted a page holding id %d", id, p.ID())
	}
	_, _, _, _ = p.Gen(), p.Flags(), p.Aux(), p.Type().String()
	// Payload is bounded on any page.
	if pl := p.Payload(); len(pl) > page.OverflowCapacity {
		t.Fatalf("Payload is %d bytes", len(pl))
	}
	switch p.Type() {
	case page.TypeLeaf, page.TypeBranch:
		exerciseSlotted(t, p, id)
	case page.TypeOverflow:
		if len(p.Payload()) != p.Count() {
			t.Fatalf("Payload is %d bytes, count %d", len(p.Payload()), p.Count())
		}
		p.SetPayload(p.Payload()[:p.Count()/2])
		resealVerify(t, p, id, "overflow after SetPayload")
	case page.TypeFree:
		n := p.Count()
		for i := range n {
			p.FreeID(i)
		}
		for p.AppendFreeID(uint64(p.Count())) {
		}
		if p.Count() != page.FreeCapacity {
			t.Fatalf("free page filled to %d ids, capacity %d", p.Count(), page.FreeCapacity)
		}
		if n < page.FreeCapacity && p.FreeID(n) != uint64(n) {
			t.Fatalf("FreeID(%d) = %d after append", n, p.FreeID(n))
		}
		resealVerify(t, p, id, "free page after appends")
	case page.TypeSuperblock:
	default:
		t.Fatalf("Verify accepted type %v", p.Type())
	}
}

func resealVerify(t *testing.T, p *page.Page, id uint64, what string) {
	t.Helper()
	p.Seal()
	if err := page.Verify(p.Bytes(), id); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func exerciseSlotted(t *testing.T, p *page.Page, id uint64) {
	n := p.Count()
	cells := make([][]byte, n)
	total := 0
	for i := range n {
		c := p.Cell(i)
		if len(c) != p.CellLen(i) || len(c) == 0 {
			t.Fatalf("Cell(%d) is %d bytes, CellLen %d", i, len(c), p.CellLen(i))
		}
		cells[i] = bytes.Clone(c)
		total += len(c)
	}
	free := p.FreeSpace()
	if free < 0 || free > page.Size-page.HeaderSize || p.Used()+free != page.Size-page.HeaderSize {
		t.Fatalf("FreeSpace %d, Used %d", free, p.Used())
	}
	if want := page.Size - page.HeaderSize - n*page.SlotSize - total; free != want {
		t.Fatalf("FreeSpace %d, cells and slots leave %d", free, want)
	}
	if p.Fits(1) != (free >= 1+page.SlotSize) {
		t.Fatalf("Fits(1) = %v with %d free", p.Fits(1), free)
	}
	same := func(what string) {
		t.Helper()
		if p.Count() != len(cells) {
			t.Fatalf("%s: count %d, want %d", what, p.Count(), len(cells))
		}
		for i, c := range cells {
			if !bytes.Equal(p.Cell(i), c) {
				t.Fatalf("%s: cell %d changed", what, i)
			}
		}
		resealVerify(t, p, id, what)
	}
	p.Compact()
	if p.FreeSpace() != free {
		t.Fatalf("Compact changed FreeSpace from %d to %d", free, p.FreeSpace())
	}
	same("after Compact")

	// Mutations keep the page valid too.
	if n > 0 {
		p.Delete(n / 2)
		cells = append(cells[:n/2], cells[n/2+1:]...)
		same("after Delete")
	}
	if c := min(p.FreeSpace()-page.SlotSize, page.MaxCell); c >= 1 {
		cell := cellOf(c, uint64(n))
		if err := p.Insert(len(cells)/2, cell); err != nil {
			t.Fatalf("Insert of %d bytes with %d free: %v", c, p.FreeSpace(), err)
		}
		cells = append(cells[:len(cells)/2], append([][]byte{cell}, cells[len(cells)/2:]...)...)
		same("after Insert")
	} else if err := p.Insert(0, []byte{1}); !errors.Is(err, page.ErrFull) {
		t.Fatalf("Insert into a full page: %v", err)
	}
	if len(cells) > 0 {
		i := len(cells) - 1
		if l := len(cells[i]); l > 1 {
			short := cells[i][:l/2]
			if err := p.Replace(i, bytes.Clone(short)); err != nil {
				t.Fatalf("Replace shorter: %v", err)
			}
			cells[i] = short
			same("after Replace")
		}
		p.Truncate(len(cells) / 2)
		cells = cells[:len(cells)/2]
		same("after Truncate")
	}
	p.Clear()
	cells = nil
	same("after Clear")
	if p.FreeSpace() != page.Size-page.HeaderSize {
		t.Fatalf("FreeSpace %d after Clear", p.FreeSpace())
	}
}

// TestFuzzSeedsExercised makes sure the valid seeds reach the accessor path
// of the fuzz target in every ordinary test run.
func TestFuzzSeedsExercised(t *testing.T) {
	valid := 0
	for _, s := range fuzzSeeds(t) {
		if len(s) == page.Size && page.Verify(s, binary.LittleEndian.Uint64(s[8:])) == nil {
			valid++
		}
		verifyAndExercise(t, s, 42)
		if len(s) >= 16 {
			verifyAndExercise(t, s, binary.LittleEndian.Uint64(s[8:]))
		}
	}
	if valid != 10 {
		t.Fatalf("%d valid seed pages, want 10 (one or more of every type)", valid)
	}
}
