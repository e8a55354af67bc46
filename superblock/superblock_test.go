package superblock_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"

	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
)

// Body offsets as documented in doc.go, kept separately so that a drift
// between the documentation and the code fails here.
const (
	offMagic   = 40
	offVersion = 48
	offPageSz  = 52
	offApplied = 56
	offHorizon = 120
)

func sample(gen uint64) superblock.Superblock {
	return superblock.Superblock{
		Generation: gen,
		Applied:    1000 + gen,
		Digest:     0xdeadbeefcafe ^ gen,
		Catalog:    7 + gen%50,
		FreeHead:   9 + gen%40,
		FreeTaken:  3 + gen%10,
		FreeTail:   11 + gen%30,
		FreeCount:  40 + gen%20,
		PageCount:  100 + gen%1000,
		Horizon:    500 + gen,
	}
}

// file is an io.ReaderAt over two slots.
type file []byte

func (f file) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f)) {
		return 0, errors.New("EOF")
	}
	n := copy(p, f[off:])
	if n < len(p) {
		return n, errors.New("short")
	}
	return n, nil
}

// twoSlots returns a file whose slots hold generations a and b (0: zeros).
func twoSlots(gens ...uint64) file {
	f := make(file, 2*page.Size)
	for _, g := range gens {
		sb := sample(g)
		copy(f[superblock.Slot(g)*page.Size:], sb.Encode().Bytes())
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	for _, gen := range []uint64{1, 2, 3, 1 << 40} {
		want := sample(gen)
		b := want.Encode().Bytes()
		if len(b) != page.Size {
			t.Fatalf("encoded %d bytes", len(b))
		}
		if string(b[offMagic:offMagic+8]) != superblock.Magic {
			t.Fatalf("magic %q at offset %d", b[offMagic:offMagic+8], offMagic)
		}
		if v := binary.LittleEndian.Uint32(b[offVersion:]); v != superblock.Version {
			t.Fatalf("version %d", v)
		}
		if v := binary.LittleEndian.Uint32(b[offPageSz:]); v != page.Size {
			t.Fatalf("page size %d", v)
		}
		if v := binary.LittleEndian.Uint64(b[offApplied:]); v != want.Applied {
			t.Fatalf("applied %d at offset %d, want %d", v, offApplied, want.Applied)
		}
		if v := binary.LittleEndian.Uint64(b[offHorizon:]); v != want.Horizon {
			t.Fatalf("horizon %d at offset %d, want %d", v, offHorizon, want.Horizon)
		}
		got, err := superblock.Decode(b, superblock.Slot(gen))
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if *got != want {
			t.Fatalf("round trip: got %+v, want %+v", *got, want)
		}
		// The other slot's id does not match the page.
		if _, err := superblock.Decode(b, 1-superblock.Slot(gen)); !errors.Is(err, page.ErrCorrupt) {
			t.Fatalf("Decode as the wrong slot: %v, want corruption", err)
		}
	}
}

func TestNewestWins(t *testing.T) {
	for _, gens := range [][]uint64{{4, 5}, {5, 4}, {6, 7}, {8, 7}} {
		s := superblock.Read(twoSlots(gens...))
		want := max(gens[0], gens[1])
		sb, err := s.Newest()
		if err != nil || sb.Generation != want {
			t.Fatalf("slots %v: Newest = %+v, %v; want generation %d", gens, sb, err, want)
		}
		sb, err = s.Older()
		if err != nil || sb.Generation != want-1 {
			t.Fatalf("slots %v: Older = %+v, %v; want generation %d", gens, sb, err, want-1)
		}
	}
}

// A damaged newest slot, whatever the damage, falls back to the other.
func TestDamagedNewestFallsBack(t *testing.T) {
	const older, newer = 6, 7
	// A torn write lands the new slot's first n bytes over the generation
	// it replaces. Past the fields the two agree (zeros), so only tears
	// inside the header and fields matter.
	prev := sample(newer - 2)
	stale := prev.Encode().Bytes()
	damage := map[string]func(b []byte){}
	for _, n := range []int{1, 4, 20, 39, 40, 64, 100, 120} {
		damage["torn at "+itoa(n)] = func(b []byte) { copy(b[n:], stale[n:]) }
	}
	for bit := 0; bit < page.Size*8; bit += 61 {
		if bit/8 >= offMagic && bit/8 < offPageSz {
			continue // magic and version: see TestNewerVersionRefused
		}
		damage["bit "+itoa(bit)] = func(b []byte) { b[bit/8] ^= 1 << (bit % 8) }
	}
	for name, hurt := range damage {
		f := twoSlots(older, newer)
		hurt(f[superblock.Slot(newer)*page.Size : (superblock.Slot(newer)+1)*page.Size])
		s := superblock.Read(f)
		if !errors.Is(s.Err[superblock.Slot(newer)], page.ErrCorrupt) {
			t.Fatalf("%s: damaged slot reads as %v, want corruption", name, s.Err[superblock.Slot(newer)])
		}
		var ce *page.CorruptionError
		if !errors.As(s.Err[superblock.Slot(newer)], &ce) || ce.Page != superblock.Slot(newer) {
			t.Fatalf("%s: error %v does not name page %d", name, s.Err[superblock.Slot(newer)], superblock.Slot(newer))
		}
		sb, err := s.Newest()
		if err != nil || sb.Generation != older || *sb != sample(older) {
			t.Fatalf("%s: Newest = %+v, %v; want generation %d", name, sb, err, older)
		}
		if _, err := s.Older(); err == nil {
			t.Fatalf("%s: Older found a second valid slot", name)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestNewerVersionRefused(t *testing.T) {
	f := twoSlots(6, 7)
	b := f[page.Size:] // generation 7, slot 1
	binary.LittleEndian.PutUint32(b[offVersion:], superblock.Version+1)
	s := superblock.Read(f)
	if !errors.Is(s.Err[1], superblock.ErrNewerVersion) || errors.Is(s.Err[1], page.ErrCorrupt) {
		t.Fatalf("newer slot reads as %v, want ErrNewerVersion and not corruption", s.Err[1])
	}
	// A newer build wrote the file: refuse it, do not fall back to the
	// older slot (that would lose the newer build's commits).
	if _, err := s.Newest(); !errors.Is(err, superblock.ErrNewerVersion) || errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("Newest = %v, want ErrNewerVersion", err)
	}
	// Both slots newer.
	binary.LittleEndian.PutUint32(f[offVersion:], superblock.Version+7)
	if _, err := superblock.Read(f).Newest(); !errors.Is(err, superblock.ErrNewerVersion) {
		t.Fatalf("Newest with both slots newer = %v, want ErrNewerVersion", err)
	}
}

func TestNotADatabase(t *testing.T) {
	cases := map[string]file{
		"zeros":  make(file, 2*page.Size),
		"text":   file(bytes.Repeat([]byte("hello, world\n"), 700)),
		"random": file(pattern(2*page.Size, 99)),
	}
	for name, f := range cases {
		_, err := superblock.Read(f).Newest()
		if !errors.Is(err, superblock.ErrNotDatabase) {
			t.Fatalf("%s: Newest = %v, want ErrNotDatabase", name, err)
		}
	}
	// Short files are corrupt (the magic cannot even be read), never valid.
	for _, n := range []int{0, 10, page.Size, page.Size + 100} {
		full := twoSlots(1)
		_, err := superblock.Read(full[:n]).Newest()
		if n > page.Size && err == nil {
			// Slot 1 is cut: only slot 0 (zeros) is whole.
			t.Fatalf("%d bytes: Newest succeeded", n)
		}
		if err == nil || !(errors.Is(err, page.ErrCorrupt) || errors.Is(err, superblock.ErrNotDatabase)) {
			t.Fatalf("%d bytes: Newest = %v, want ErrCorrupt or ErrNotDatabase", n, err)
		}
	}
}

// TestShortFileNotADatabase: a file too short to hold a slot is some other
// program's unless what it holds carries the magic; with the magic, it is
// a store cut short, and corrupt.
func TestShortFileNotADatabase(t *testing.T) {
	foreign := pattern(2*page.Size, 7)
	for _, n := range []int{1, 10, offMagic + 7, page.Size - 1, page.Size, page.Size + 1, 2*page.Size - 1} {
		_, err := superblock.Read(bytes.NewReader(foreign[:n])).Newest()
		if !errors.Is(err, superblock.ErrNotDatabase) || errors.Is(err, page.ErrCorrupt) {
			t.Errorf("%d foreign bytes: Newest = %v, want ErrNotDatabase only", n, err)
		}
		zeros := make([]byte, n)
		if _, err := superblock.Read(bytes.NewReader(zeros)).Newest(); !errors.Is(err, superblock.ErrNotDatabase) {
			t.Errorf("%d zero bytes: Newest = %v, want ErrNotDatabase", n, err)
		}
	}
	// A slot cut short after its magic is a torn store: corrupt.
	sb := sample(2)
	slot := sb.Encode().Bytes()
	for _, n := range []int{offMagic + 8, page.Size / 2, page.Size - 1} {
		_, err := superblock.Read(bytes.NewReader(slot[:n])).Newest()
		if !errors.Is(err, page.ErrCorrupt) {
			t.Errorf("slot cut at %d bytes: Newest = %v, want ErrCorrupt", n, err)
		}
	}
}

// A slot that passes its checksum but holds values no commit writes is
// corrupt: the fields are checked, not trusted.
func TestInconsistentFieldsRejected(t *testing.T) {
	bad := map[string]func(sb *superblock.Superblock){
		"page count 1":         func(sb *superblock.Superblock) { sb.PageCount = 1 },
		"catalog past the end": func(sb *superblock.Superblock) { sb.Catalog = sb.PageCount },
		"catalog in a slot":    func(sb *superblock.Superblock) { sb.Catalog = 1 },
		"free head past end":   func(sb *superblock.Superblock) { sb.FreeHead = sb.PageCount + 5 },
		"free tail past end":   func(sb *superblock.Superblock) { sb.FreeTail = sb.PageCount },
		"free taken too big":   func(sb *superblock.Superblock) { sb.FreeTaken = page.FreeCapacity + 1 },
		"free count too big":   func(sb *superblock.Superblock) { sb.FreeCount = sb.PageCount + 1 },
		"count without list":   func(sb *superblock.Superblock) { sb.FreeHead, sb.FreeCount = 0, 3 },
		"horizon past applied": func(sb *superblock.Superblock) { sb.Horizon = sb.Applied + 1 },
	}
	for name, change := range bad {
		sb := sample(3)
		change(&sb)
		_, err := superblock.Decode(sb.Encode().Bytes(), superblock.Slot(3))
		if !errors.Is(err, page.ErrCorrupt) {
			t.Fatalf("%s: Decode = %v, want corruption", name, err)
		}
	}
	// The wrong slot for the generation, with a matching page id.
	sb := sample(3)
	p := sb.Encode()
	p.SetID(0)
	p.Seal()
	if _, err := superblock.Decode(p.Bytes(), 0); !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("generation 3 in slot 0: Decode = %v, want corruption", err)
	}
	// Another page type with the superblock's magic where the body starts.
	q := page.New(1, page.TypeLeaf)
	copy(q.Bytes()[offMagic:], superblock.Magic)
	binary.LittleEndian.PutUint32(q.Bytes()[offVersion:], superblock.Version)
	q.Seal()
	if _, err := superblock.Decode(q.Bytes(), 1); !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("leaf page as a superblock: Decode = %v, want corruption", err)
	}
}

func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// Every commit keeps a free-list head and reserved tail on real pages; a
// superblock with zeros there (which would send the next free-list page over
// slot 0) is rejected even with a valid checksum.
func TestFreeListEndsInsideFile(t *testing.T) {
	for _, sb := range []superblock.Superblock{
		{Generation: 3, PageCount: 10},
		{Generation: 3, PageCount: 10, FreeHead: 2},
		{Generation: 3, PageCount: 10, FreeTail: 2},
		{Generation: 3, PageCount: 10, FreeHead: 2, FreeTail: 10},
	} {
		p := sb.Encode()
		if _, err := superblock.Decode(p.Bytes(), p.ID()); err == nil {
			t.Errorf("Decode accepted free list head %d tail %d in %d pages", sb.FreeHead, sb.FreeTail, sb.PageCount)
		}
	}
	ok := superblock.Superblock{Generation: 3, PageCount: 10, FreeHead: 2, FreeTail: 9}
	if p := ok.Encode(); func() error { _, err := superblock.Decode(p.Bytes(), p.ID()); return err }() != nil {
		t.Error("Decode rejected a valid free list")
	}
}
