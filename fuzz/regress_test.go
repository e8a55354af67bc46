package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

// Minimal reproductions of bugs the tests above found, kept so that each
// stays fixed.

// TestForgedPageOfWrongType puts, in place of every page of a real store,
// a page of another kind that carries the right id and a valid checksum
// (what a buggy writer, or an arbitrary file, can hold). Reads and Check
// must report corruption, never panic. Found by FuzzPage: btree's Check
// read the cells of an overflow or free-list page as if it were slotted.
func TestForgedPageOfWrongType(t *testing.T) {
	img := fuzzImage()
	n := uint64(len(img) / page.Size)
	for id := uint64(2); id < n; id++ {
		for _, typ := range []page.Type{page.TypeOverflow, page.TypeFree, page.TypeSuperblock} {
			forged := slices.Clone(img)
			b := pageOf(forged, id)
			if page.Type(b[4]) == typ {
				continue
			}
			pg := page.New(id, typ)
			pg.SetGen(binary.LittleEndian.Uint64(b[16:]))
			// Payload bytes and a few items: read as a slot directory,
			// they point anywhere.
			copy(pg.Bytes()[page.HeaderSize:], fill(id, page.Size-page.HeaderSize))
			binary.LittleEndian.PutUint16(pg.Bytes()[24:], 5)
			copy(b, pg.Bytes())
			crc.Seal(b)
			if !t.Run(fmt.Sprintf("page%d_as_%v", id, typ), func(t *testing.T) { exercise(t, forged) }) {
				return // one reproduction is enough
			}
		}
	}
}

// TestCheckMemoryBoundedByFile opens a three-page file whose superblock
// passes its checksum but claims 16M pages. Check must fail cleanly with
// memory bounded by the file; it used to size a map by the claimed page
// count, so a forged count of ~1.6e9 (found by FuzzOpen) ran the process
// out of memory.
func TestCheckMemoryBoundedByFile(t *testing.T) {
	sb := superblock.Superblock{Generation: 4, PageCount: 1 << 24, Catalog: 2, FreeHead: 2, FreeTail: 2}
	img := make([]byte, 3*page.Size)
	copy(img, sb.Encode().Bytes())
	fs := fault.New()
	fs.SetImage("db", img)
	s, err := store.Open("db", &store.Options{FS: fs})
	if err != nil {
		// Open now refuses it: the superblock counts pages the file does
		// not hold. That is the better answer.
		if !corruptionIn(err) {
			t.Fatalf("Open: %v, want a CorruptionError", err)
		}
		return
	}
	defer closeAfter(t, s)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = s.Check()
	runtime.ReadMemStats(&after)
	if !corruptionIn(err) {
		t.Fatalf("Check: %v, want a CorruptionError", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Fatalf("Check of a 3-page file allocated %d MiB: its memory follows the superblock's claimed page count, not the file", n>>20)
	}
}

// TestFreeListCycle opens a file whose free list points back at itself
// (the used-up head page's next link is its own id). The first Apply that
// allocates must report corruption; it used to loop for ever in the
// pager's popFree, freeing the same page again on each turn (found by
// FuzzOpen as a hang). The Fault file system bounds the loop here: every
// turn rereads the page, and the read after 10000 fails.
func TestFreeListCycle(t *testing.T) {
	sb := superblock.Superblock{Generation: 4, PageCount: 4, FreeHead: 2, FreeTail: 3, FreeCount: 1}
	img := make([]byte, 3*page.Size)
	copy(img, sb.Encode().Bytes())
	fl := page.New(2, page.TypeFree)
	fl.SetGen(1)
	fl.SetAux(2)
	fl.Seal()
	copy(pageOf(img, 2), fl.Bytes())
	fs := fault.New()
	fs.SetImage("db", img)
	s, err := store.Open("db", &store.Options{FS: fs})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer closeAfter(t, s)
	fs.FailAt(fs.Ops()+10000, nil)
	fs.SetSticky(true)
	err = s.Apply(batch.New(1).Put(1, []byte("k"), []byte("v")))
	if !corruptionIn(err, 2) {
		t.Fatalf("Apply over a free list that loops: %v after %d file operations, want a CorruptionError naming page 2", err, fs.Ops())
	}
}

// TestShortHistoryKey replaces a table's history tree with a leaf (right
// id, valid checksum) whose one key is shorter than the 8-byte version
// suffix every history key carries. Reads below the applied position go
// through history and must report corruption; the iterator used to slice
// the key at len-8 and panic (found by FuzzPage).
func TestShortHistoryKey(t *testing.T) {
	fs := fault.New()
	s, err := store.Open("db", &store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	for p, v := range []string{"1", "2"} {
		if err := s.Apply(batch.New(batch.Offset(p+1)).Put(1, []byte("a"), []byte(v))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	img := fs.Image("db")
	sb, err := superblock.Read(bytes.NewReader(img)).Newest()
	if err != nil {
		t.Fatal(err)
	}
	// The catalog is one leaf with one cell: table 1 ‖ MaxOffset -> its
	// descriptor, whose third field is the history root.
	var cat page.Page
	copy(cat.Bytes(), pageOf(img, sb.Catalog))
	if cat.Type() != page.TypeLeaf || cat.Count() != 1 {
		t.Fatalf("catalog root %d is a %v page with %d cells", sb.Catalog, cat.Type(), cat.Count())
	}
	entry, err := btree.DecodeLeaf(cat.Cell(0))
	if err != nil || len(entry.Value.Inline) < 24 {
		t.Fatalf("catalog entry %+v, %v", entry, err)
	}
	hist := binary.LittleEndian.Uint64(entry.Value.Inline[16:])
	if hist < 2 || hist >= sb.PageCount {
		t.Fatalf("history root %d", hist)
	}
	// flags, key length 1, deleted_at 2, value length 1, key, value.
	cell := []byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'a', '1'}
	leaf := page.New(hist, page.TypeLeaf)
	leaf.SetGen(sb.Generation)
	if err := leaf.Insert(0, cell); err != nil {
		t.Fatal(err)
	}
	leaf.Seal()
	copy(pageOf(img, hist), leaf.Bytes())
	exercise(t, img)
	fs = fault.New()
	fs.SetImage("db", img)
	if s, err = store.Open("db", &store.Options{FS: fs}); err != nil {
		t.Fatal(err)
	}
	defer closeAfter(t, s)
	func() {
		defer noPanic(t)
		if _, err := s.ScanAt(1, nil, nil, 0, 1); !corruptionIn(err) {
			t.Fatalf("ScanAt(1) over a history key of 1 byte: %v, want a CorruptionError", err)
		}
	}()
}

// TestOverflowChainCycle links the last page of an overflow chain back to
// its first (right id, valid checksum). Reads, Check and Stats must report
// corruption. Stats used to spin for ever: btree's Walk follows overflow
// links without bounding the chain by its value's length, as Value and
// FreeRef do (found by FuzzPage as a hang; Tree.Free, used by Prune of a
// dropped table, walks the same way and grows a slice meanwhile). The
// chain is longer than the smallest cache, so every turn of the loop reads
// the file, and the Fault file system fails the read after 10000: that
// bounds the loop.
func TestOverflowChainCycle(t *testing.T) {
	fs := fault.New()
	s, err := store.Open("db", &store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(batch.New(1).Put(1, []byte("big"), fill(1, 40*page.OverflowCapacity))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	img := fs.Image("db")
	next := make(map[uint64]uint64) // overflow page -> the page after it
	linked := make(map[uint64]bool)
	for id := uint64(2); (id+1)*page.Size <= uint64(len(img)); id++ {
		var pg page.Page
		copy(pg.Bytes(), pageOf(img, id))
		if pg.Type() == page.TypeOverflow && page.Verify(pg.Bytes(), id) == nil {
			next[id] = pg.Aux()
			linked[pg.Aux()] = true
		}
	}
	var head, tail uint64
	for id, n := range next {
		if !linked[id] {
			head = id
		}
		if n == 0 {
			tail = id
		}
	}
	if len(next) != 40 || head == 0 || tail == 0 {
		t.Fatalf("expected one chain of 40 overflow pages, found %d pages, head %d, tail %d", len(next), head, tail)
	}
	b := pageOf(img, tail)
	binary.LittleEndian.PutUint64(b[32:], head) // aux: the next page of the chain
	crc.Seal(b)
	fs = fault.New()
	fs.SetImage("db", img)
	if s, err = store.Open("db", &store.Options{FS: fs, CacheBytes: page.Size}); err != nil {
		t.Fatal(err)
	}
	defer closeAfter(t, s)
	if _, err := s.Get(1, []byte("big")); !corruptionIn(err) {
		t.Fatalf("Get of a value whose chain loops: %v, want a CorruptionError", err)
	}
	if err := s.Check(); !corruptionIn(err) {
		t.Fatalf("Check: %v, want a CorruptionError", err)
	}
	fs.FailAt(fs.Ops()+10000, nil)
	fs.SetSticky(true)
	if _, err := s.Stats(); !corruptionIn(err) {
		t.Fatalf("Stats over an overflow chain that loops: %v after %d file operations, want a CorruptionError", err, fs.Ops())
	}
}
