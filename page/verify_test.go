package page_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/projstore/projstore/page"
)

func TestLayoutMatchesDoc(t *testing.T) {
	if page.MaxCell != 1348 || 3*(page.MaxCell+page.SlotSize) > page.Size-page.HeaderSize {
		t.Fatalf("MaxCell = %d: three of the largest cells must fit", page.MaxCell)
	}
	if page.FreeCapacity != 507 || page.HeaderSize+8*page.FreeCapacity > page.Size {
		t.Fatalf("FreeCapacity = %d", page.FreeCapacity)
	}
	if page.OverflowCapacity != page.Size-page.HeaderSize {
		t.Fatalf("OverflowCapacity = %d", page.OverflowCapacity)
	}
	p := page.New(0x0102030405060708, page.TypeBranch)
	p.SetGen(0x1112131415161718)
	p.SetFlags(0xA1B2)
	p.SetAux(0x2122232425262728)
	if err := p.Insert(0, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	b := sealedBytes(p)
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"type", uint64(b[hdrType]), uint64(page.TypeBranch)},
		{"version", uint64(b[hdrVersion]), page.Version},
		{"flags", uint64(getU16(b, hdrFlags)), 0xA1B2},
		{"id", getU64(b, hdrID), 0x0102030405060708},
		{"gen", getU64(b, hdrGen), 0x1112131415161718},
		{"count", uint64(getU16(b, hdrCount)), 1},
		{"lower", uint64(getU16(b, hdrLower)), page.HeaderSize + page.SlotSize},
		{"upper", uint64(getU16(b, hdrUpper)), page.Size - 5},
		{"frag", uint64(getU16(b, hdrFrag)), 0},
		{"aux", getU64(b, hdrAux), 0x2122232425262728},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("header %s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if off, l := slotAt(b, 0); off != page.Size-5 || l != 5 || string(b[off:off+l]) != "hello" {
		t.Errorf("slot 0 = (%d, %d)", off, l)
	}
	// The accessors read back what a fresh page built from the bytes holds.
	var q page.Page
	copy(q.Bytes(), b)
	if q.ID() != 0x0102030405060708 || q.Gen() != 0x1112131415161718 || q.Flags() != 0xA1B2 ||
		q.Aux() != 0x2122232425262728 || q.Type() != page.TypeBranch || q.Count() != 1 {
		t.Errorf("accessors: id %#x gen %#x flags %#x aux %#x type %v count %d", q.ID(), q.Gen(), q.Flags(), q.Aux(), q.Type(), q.Count())
	}
	if err := page.Verify(b, 0x0102030405060708); err != nil {
		t.Fatal(err)
	}
	var r page.Page
	r.CopyFrom(&q)
	r.SetID(9)
	if q.ID() == 9 || !bytes.Equal(r.Bytes()[16:], q.Bytes()[16:]) {
		t.Fatal("CopyFrom must copy, not alias")
	}
	for typ, want := range map[page.Type]string{page.TypeSuperblock: "superblock", page.TypeBranch: "branch",
		page.TypeLeaf: "leaf", page.TypeOverflow: "overflow", page.TypeFree: "free-list", 0: "type(0)", 77: "type(77)"} {
		if typ.String() != want {
			t.Errorf("Type(%d).String() = %q, want %q", uint8(typ), typ.String(), want)
		}
	}
}

func TestVerifyEveryBitFlip(t *testing.T) {
	const id = 0xDEADBEEF
	p, cells := leafWithCells(t, id, 12)
	if len(cells) < 6 {
		t.Fatalf("setup: %d cells", len(cells))
	}
	b := sealedBytes(p)
	if err := page.Verify(b, id); err != nil {
		t.Fatalf("unflipped page: %v", err)
	}
	for bit := 0; bit < page.Size*8; bit++ {
		b[bit/8] ^= 1 << (bit % 8)
		err := page.Verify(b, id)
		if err == nil {
			t.Fatalf("flip of bit %d (byte %d) not detected", bit, bit/8)
		}
		if !errors.Is(err, page.ErrCorrupt) {
			t.Fatalf("bit %d: %v does not match ErrCorrupt", bit, err)
		}
		var ce *page.CorruptionError
		if !errors.As(err, &ce) || ce.Page != id {
			t.Fatalf("bit %d: %#v is not a CorruptionError for page %d", bit, err, uint64(id))
		}
		b[bit/8] ^= 1 << (bit % 8)
	}
	if err := page.Verify(b, id); err != nil {
		t.Fatalf("page after restoring every bit: %v", err)
	}
}

func TestVerifyMisdirectedWrite(t *testing.T) {
	for _, tc := range []struct{ stored, asked uint64 }{
		{7, 8}, {8, 7}, {0, 1}, {1, 0}, {12345, 1<<32 + 12345}, {math.MaxUint64, 0},
	} {
		for _, typ := range []page.Type{page.TypeLeaf, page.TypeBranch, page.TypeOverflow, page.TypeFree, page.TypeSuperblock} {
			b := sealedBytes(page.New(tc.stored, typ))
			if err := page.Verify(b, tc.stored); err != nil {
				t.Fatalf("%v at its own id %d: %v", typ, tc.stored, err)
			}
			err := page.Verify(b, tc.asked)
			ce := wantCorrupt(t, err, tc.asked, fmt.Sprintf("%v page %d read as %d", typ, tc.stored, tc.asked))
			if !strings.Contains(err.Error(), fmt.Sprintf("corrupt page %d:", tc.asked)) {
				t.Errorf("error %q does not name the requested page %d", err, tc.asked)
			}
			if !strings.Contains(ce.Reason, "misdirected") || !strings.Contains(ce.Reason, fmt.Sprint(tc.stored)) {
				t.Errorf("reason %q should say misdirected write and name the stored id %d", ce.Reason, tc.stored)
			}
		}
	}
}

// TestVerifyStructure hand-crafts pages with a valid CRC but bad contents.
func TestVerifyStructure(t *testing.T) {
	const id = 42
	leaf, _ := leafWithCells(t, id, 8)
	branch, _ := leafWithCells(t, id, 8)
	branch.Bytes()[hdrType] = byte(page.TypeBranch)
	empty := page.New(id, page.TypeLeaf)
	over := page.New(id, page.TypeOverflow)
	over.SetPayload(cellOf(1000, 1))
	free := page.New(id, page.TypeFree)
	for i := range 10 {
		free.AppendFreeID(uint64(i) * 3)
	}
	super := page.New(id, page.TypeSuperblock)

	type mutation struct {
		name   string
		base   *page.Page
		mutate func(b []byte)
		reason string // a word the reason must contain
	}
	muts := []mutation{
		{"unknown type 0", leaf, func(b []byte) { b[hdrType] = 0 }, "type"},
		{"unknown type 6", leaf, func(b []byte) { b[hdrType] = 6 }, "type"},
		{"unknown type 255", over, func(b []byte) { b[hdrType] = 255 }, "type"},
		{"version 0", leaf, func(b []byte) { b[hdrVersion] = 0 }, "version"},
		{"version 2", over, func(b []byte) { b[hdrVersion] = 2 }, "version"},
		{"version 255 superblock", super, func(b []byte) { b[hdrVersion] = 255 }, "version"},
		{"overflow count capacity+1", over, func(b []byte) { putU16(b, hdrCount, page.OverflowCapacity+1) }, "overflow"},
		{"overflow count max", over, func(b []byte) { putU16(b, hdrCount, 0xFFFF) }, "overflow"},
		{"free count capacity+1", free, func(b []byte) { putU16(b, hdrCount, page.FreeCapacity+1) }, "free"},
		{"free count max", free, func(b []byte) { putU16(b, hdrCount, 0xFFFF) }, "free"},
	}
	for _, base := range []struct {
		name string
		p    *page.Page
	}{{"leaf", leaf}, {"branch", branch}} {
		p := base.p
		b := p.Bytes()
		n, lower, upper := getU16(b, hdrCount), getU16(b, hdrLower), getU16(b, hdrUpper)
		off0, len0 := slotAt(b, 0)
		if getU16(b, hdrFrag) == 0 || n < 4 {
			t.Fatalf("setup: %s page needs fragmentation and cells", base.name)
		}
		add := func(name string, f func(b []byte), reason string) {
			muts = append(muts, mutation{base.name + ": " + name, p, f, reason})
		}
		add("count+1", func(b []byte) { putU16(b, hdrCount, n+1) }, "bounds")
		add("count-1", func(b []byte) { putU16(b, hdrCount, n-1) }, "bounds")
		add("count 0", func(b []byte) { putU16(b, hdrCount, 0) }, "bounds")
		add("lower+4", func(b []byte) { putU16(b, hdrLower, lower+4) }, "bounds")
		add("lower-1", func(b []byte) { putU16(b, hdrLower, lower-1) }, "bounds")
		add("lower+1", func(b []byte) { putU16(b, hdrLower, lower+1) }, "bounds")
		add("lower below header", func(b []byte) { putU16(b, hdrLower, 0); putU16(b, hdrCount, 0) }, "bounds")
		add("lower > upper", func(b []byte) {
			c := (upper-page.HeaderSize)/page.SlotSize + 1
			putU16(b, hdrCount, c)
			putU16(b, hdrLower, page.HeaderSize+c*page.SlotSize)
		}, "bounds")
		add("upper > Size", func(b []byte) {
			putU16(b, hdrCount, 0)
			putU16(b, hdrLower, page.HeaderSize)
			putU16(b, hdrUpper, page.Size+4)
			putU16(b, hdrFrag, 0)
		}, "bounds")
		add("upper max", func(b []byte) { putU16(b, hdrUpper, 0xFFFF) }, "bounds")
		add("upper+1 (cell below upper)", func(b []byte) { putU16(b, hdrUpper, upper+1) }, "")
		add("upper-1 (accounting)", func(b []byte) { putU16(b, hdrUpper, upper-1) }, "accounting")
		add("frag+1", func(b []byte) { putU16(b, hdrFrag, getU16(b, hdrFrag)+1) }, "accounting")
		add("frag-1", func(b []byte) { putU16(b, hdrFrag, getU16(b, hdrFrag)-1) }, "accounting")
		add("frag 0", func(b []byte) { putU16(b, hdrFrag, 0) }, "accounting")
		add("slot in free space", func(b []byte) { setSlotAt(b, 0, lower, len0) }, "outside")
		add("slot just below upper", func(b []byte) { setSlotAt(b, 0, upper-1, len0) }, "outside")
		add("slot in header", func(b []byte) { setSlotAt(b, 0, 0, len0) }, "outside")
		add("slot in slot directory", func(b []byte) { setSlotAt(b, 0, page.HeaderSize, len0) }, "outside")
		add("slot past the end", func(b []byte) { setSlotAt(b, 0, page.Size-len0+1, len0) }, "outside")
		add("slot at Size", func(b []byte) { setSlotAt(b, 0, page.Size, 1) }, "outside")
		add("slot offset max", func(b []byte) { setSlotAt(b, 0, 0xFFFF, len0) }, "outside")
		add("slot length max", func(b []byte) { setSlotAt(b, 0, off0, 0xFFFF) }, "outside")
		add("slot length+1 at end", func(b []byte) { setSlotAt(b, 0, page.Size-len0, len0+1) }, "outside")
		add("zero-length slot", func(b []byte) { setSlotAt(b, n-1, upper, 0) }, "outside")
		add("duplicate slot", func(b []byte) { setSlotAt(b, 1, off0, len0) }, "overlap")
		add("overlap by one byte", func(b []byte) {
			// Slot 3's cell sits right below slot 2's (slots 1 and 2 are
			// separated by a hole): grow it by one byte into slot 2's cell
			// and take the byte off the fragmented count so that the
			// accounting still balances.
			off3, len3 := slotAt(b, 3)
			off2, _ := slotAt(b, 2)
			if off3+len3 != off2 {
				t.Fatalf("setup: slot 3 ends at %d, slot 2 starts at %d", off3+len3, off2)
			}
			setSlotAt(b, 3, off3, len3+1)
			putU16(b, hdrFrag, getU16(b, hdrFrag)-1)
		}, "overlap")
		add("overlap shifted", func(b []byte) { setSlotAt(b, 1, off0+1, len0-1) }, "overlap")
		add("slots all zero", func(b []byte) {
			for i := range n {
				setSlotAt(b, i, 0, 0)
			}
		}, "outside")
	}
	// Sanity: the bases themselves are valid, resealed or not.
	for _, p := range []*page.Page{leaf, branch, empty, over, free, super} {
		b := sealedBytes(p)
		reseal(b)
		if err := page.Verify(b, id); err != nil {
			t.Fatalf("base %v page: %v", p.Type(), err)
		}
	}
	for _, m := range muts {
		t.Run(m.name, func(t *testing.T) {
			b := sealedBytes(m.base)
			orig := bytes.Clone(b)
			m.mutate(b)
			if bytes.Equal(b, orig) {
				t.Fatal("mutation changed nothing")
			}
			reseal(b)
			ce := wantCorrupt(t, page.Verify(b, id), id, m.name)
			if strings.Contains(ce.Reason, "checksum") {
				t.Fatalf("resealed page rejected by its checksum: %v", ce)
			}
			if !strings.Contains(ce.Reason, m.reason) {
				t.Fatalf("reason %q does not mention %q", ce.Reason, m.reason)
			}
		})
	}
}

// TestVerifyOverlapAccountingBalanced builds an overlap that keeps the byte
// accounting balanced, so only the overlap check can reject it.
func TestVerifyOverlapAccountingBalanced(t *testing.T) {
	const id = 3
	p := page.New(id, page.TypeLeaf)
	for i := range 4 {
		if err := p.Insert(i, cellOf(10, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	b := sealedBytes(p)
	// Cells sit at 4086, 4076, 4066 and 4056. Moving cell 1 to [4080, 4090)
	// keeps the sum of lengths (40 = Size-upper, frag 0) but overlaps cell 0.
	setSlotAt(b, 1, 4080, 10)
	reseal(b)
	ce := wantCorrupt(t, page.Verify(b, id), id, "balanced overlap")
	if !strings.Contains(ce.Reason, "overlap") {
		t.Fatalf("reason %q, want an overlap", ce.Reason)
	}
}

func TestVerifyValidEdges(t *testing.T) {
	const id = 11
	var pages []*page.Page
	// Full page of largest cells: exactly three.
	full := page.New(id, page.TypeLeaf)
	for i := range 3 {
		if err := full.Insert(i, cellOf(page.MaxCell, uint64(i))); err != nil {
			t.Fatalf("MaxCell #%d: %v", i, err)
		}
	}
	if full.FreeSpace() != 0 || full.Fits(1) {
		t.Fatalf("three MaxCell cells leave %d free", full.FreeSpace())
	}
	pages = append(pages, full)
	// Most cells a page can hold: 1-byte cells.
	many := page.New(id, page.TypeBranch)
	for many.Fits(1) {
		if err := many.Insert(many.Count(), []byte{byte(many.Count())}); err != nil {
			t.Fatal(err)
		}
	}
	if many.Count() != (page.Size-page.HeaderSize)/(page.SlotSize+1) {
		t.Fatalf("1-byte cells: %d", many.Count())
	}
	pages = append(pages, many)
	// Empty page whose cell area is all holes.
	holes := page.New(id, page.TypeLeaf)
	b := holes.Bytes()
	putU16(b, hdrUpper, 100)
	putU16(b, hdrFrag, page.Size-100)
	pages = append(pages, holes)
	over := page.New(id, page.TypeOverflow)
	over.SetPayload(cellOf(page.OverflowCapacity, 5))
	pages = append(pages, over)
	free := page.New(id, page.TypeFree)
	for free.AppendFreeID(uint64(free.Count())) {
	}
	pages = append(pages, free)
	for _, p := range pages {
		if err := page.Verify(sealedBytes(p), id); err != nil {
			t.Errorf("%v page with count %d: %v", p.Type(), p.Count(), err)
		}
	}
	// Cells are readable on the page of holes: inserting compacts.
	if err := holes.Insert(0, []byte("abc")); err != nil || string(holes.Cell(0)) != "abc" {
		t.Fatalf("insert into page of holes: %v", err)
	}
	if err := page.Verify(sealedBytes(holes), id); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyBadInput(t *testing.T) {
	const id = 5
	good := sealedBytes(page.New(id, page.TypeLeaf))
	cases := map[string][]byte{
		"nil":         nil,
		"empty":       {},
		"4 bytes":     good[:4],
		"short":       good[:page.Size-1],
		"long":        append(bytes.Clone(good), 0),
		"double":      append(bytes.Clone(good), good...),
		"zeros":       make([]byte, page.Size),
		"ones":        bytes.Repeat([]byte{0xFF}, page.Size),
		"garbage":     cellOf(page.Size, 77),
		"resealed 0s": func() []byte { b := make([]byte, page.Size); putU64(b, hdrID, id); reseal(b); return b }(),
	}
	for name, b := range cases {
		orig := bytes.Clone(b)
		wantCorrupt(t, page.Verify(b, id), id, name)
		if !bytes.Equal(orig, b) {
			t.Fatalf("%s: Verify changed its input", name)
		}
	}
}

// TestVerifyTornPage writes the first k bytes of a new version over the old
// version, as a crash mid-write can.
func TestVerifyTornPage(t *testing.T) {
	const id = 77
	ks := []int{1, 2, 3, 4, 5, 8, 17, 24, 40, 41, 100, 511, 512, 513, 1000, 1024, 1536, 2047, 2048, 2560, 3000, 3072, 3584, 4000, 4095}
	old, _ := leafWithCells(t, id, 20)
	old.SetGen(1)
	oldB := sealedBytes(old)

	// Scenario 1: every cell rewritten with new content.
	rewritten := page.New(id, page.TypeLeaf)
	rewritten.CopyFrom(old)
	rewritten.SetGen(2)
	for i := range rewritten.Count() {
		c := cellOf(rewritten.CellLen(i), uint64(1000+i))
		if err := rewritten.Replace(i, c); err != nil {
			t.Fatal(err)
		}
	}
	// Scenario 2: one small cell appended, a small change.
	appended := page.New(id, page.TypeLeaf)
	appended.CopyFrom(old)
	appended.SetGen(2)
	if err := appended.Insert(appended.Count(), []byte("new")); err != nil {
		t.Fatal(err)
	}
	// Scenario 3: compacted, so every cell moves.
	compacted := page.New(id, page.TypeLeaf)
	compacted.CopyFrom(old)
	compacted.SetGen(2)
	compacted.Compact()

	for _, sc := range []struct {
		name string
		p    *page.Page
	}{{"rewritten", rewritten}, {"appended", appended}, {"compacted", compacted}} {
		newB := sealedBytes(sc.p)
		if err := page.Verify(newB, id); err != nil {
			t.Fatalf("%s: new version: %v", sc.name, err)
		}
		tears := 0
		for _, k := range ks {
			torn := append(bytes.Clone(newB[:k]), oldB[k:]...)
			err := page.Verify(torn, id)
			if bytes.Equal(torn, oldB) || bytes.Equal(torn, newB) {
				if err != nil {
					t.Errorf("%s k=%d: whole version rejected: %v", sc.name, k, err)
				}
				continue
			}
			tears++
			wantCorrupt(t, err, id, fmt.Sprintf("%s torn at %d", sc.name, k))
		}
		// Every k above splits a real difference for the rewritten page.
		if sc.name == "rewritten" && tears != len(ks) {
			t.Errorf("rewritten: only %d of %d offsets produced a torn page", tears, len(ks))
		}
		if tears < len(ks)/3 {
			t.Errorf("%s: only %d torn pages tested", sc.name, tears)
		}
		// Every sector boundary too.
		for k := 512; k < page.Size; k += 512 {
			torn := append(bytes.Clone(newB[:k]), oldB[k:]...)
			if !bytes.Equal(torn, oldB) && !bytes.Equal(torn, newB) {
				wantCorrupt(t, page.Verify(torn, id), id, fmt.Sprintf("%s torn at sector %d", sc.name, k))
			}
		}
	}
}

func TestOverflowRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, page.OverflowCapacity - 1, page.OverflowCapacity, page.OverflowCapacity + 1, page.Size} {
		id := uint64(n + 1)
		p := page.New(id, page.TypeOverflow)
		p.SetAux(1234)
		data := cellOf(n, uint64(n))
		got := p.SetPayload(data)
		want := min(n, page.OverflowCapacity)
		if got != want {
			t.Fatalf("SetPayload(%d bytes) = %d, want %d", n, got, want)
		}
		if p.Count() != want || !bytes.Equal(p.Payload(), data[:want]) {
			t.Fatalf("%d bytes: Count %d, payload differs", n, p.Count())
		}
		if pl := p.Payload(); cap(pl) != len(pl) {
			t.Fatalf("Payload cap %d > len %d", cap(pl), len(pl))
		}
		b := sealedBytes(p)
		if err := page.Verify(b, id); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		var q page.Page
		copy(q.Bytes(), b)
		if !bytes.Equal(q.Payload(), data[:want]) || q.Aux() != 1234 || q.Type() != page.TypeOverflow {
			t.Fatalf("%d bytes: read back differs", n)
		}
		// A shorter payload replaces a longer one.
		q.SetPayload([]byte("xy"))
		if string(q.Payload()) != "xy" || q.Count() != 2 {
			t.Fatalf("shrinking payload: %q", q.Payload())
		}
	}
}

func TestFreeListRoundTrip(t *testing.T) {
	const id = 600
	p := page.New(id, page.TypeFree)
	p.SetAux(601)
	ids := make([]uint64, 0, page.FreeCapacity)
	for i := range page.FreeCapacity {
		v := getU64(cellOf(8, uint64(i)), 0)
		if i == 0 {
			v = 0
		} else if i == 1 {
			v = math.MaxUint64
		}
		if !p.AppendFreeID(v) {
			t.Fatalf("AppendFreeID #%d returned false before the page was full", i)
		}
		ids = append(ids, v)
		if p.Count() != i+1 {
			t.Fatalf("Count = %d after %d appends", p.Count(), i+1)
		}
	}
	before := bytes.Clone(p.Bytes())
	if p.AppendFreeID(99) || p.AppendFreeID(100) {
		t.Fatalf("AppendFreeID returned true past FreeCapacity (%d)", page.FreeCapacity)
	}
	if !bytes.Equal(before, p.Bytes()) || p.Count() != page.FreeCapacity {
		t.Fatal("a refused AppendFreeID changed the page")
	}
	b := sealedBytes(p)
	if err := page.Verify(b, id); err != nil {
		t.Fatal(err)
	}
	var q page.Page
	copy(q.Bytes(), b)
	if q.Count() != page.FreeCapacity || q.Aux() != 601 {
		t.Fatalf("read back: count %d aux %d", q.Count(), q.Aux())
	}
	for i, v := range ids {
		if got := q.FreeID(i); got != v {
			t.Fatalf("FreeID(%d) = %#x, want %#x", i, got, v)
		}
		if got := getU64(b, page.HeaderSize+8*i); got != v {
			t.Fatalf("id %d stored as %#x at offset %d, want %#x", i, got, page.HeaderSize+8*i, v)
		}
	}
	// A partly filled page round-trips too.
	small := page.New(id, page.TypeFree)
	for _, v := range []uint64{5, 3, 9} {
		small.AppendFreeID(v)
	}
	copy(q.Bytes(), sealedBytes(small))
	if q.Count() != 3 || q.FreeID(0) != 5 || q.FreeID(1) != 3 || q.FreeID(2) != 9 {
		t.Fatal("3-id page read back wrong")
	}
}
