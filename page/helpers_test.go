package page_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/projstore/projstore/page"
)

// Header offsets as documented in doc.go. The tests use their own copy so
// that a drift between the documentation and the code shows up as a failure.
const (
	hdrCRC     = 0
	hdrType    = 4
	hdrVersion = 5
	hdrFlags   = 6
	hdrID      = 8
	hdrGen     = 16
	hdrCount   = 24
	hdrLower   = 26
	hdrUpper   = 28
	hdrFrag    = 30
	hdrAux     = 32
)

func getU16(b []byte, off int) int       { return int(binary.LittleEndian.Uint16(b[off:])) }
func putU16(b []byte, off, v int)        { binary.LittleEndian.PutUint16(b[off:], uint16(v)) }
func getU64(b []byte, off int) uint64    { return binary.LittleEndian.Uint64(b[off:]) }
func putU64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
func slotAt(b []byte, i int) (off, l int) {
	return getU16(b, page.HeaderSize+4*i), getU16(b, page.HeaderSize+4*i+2)
}
func setSlotAt(b []byte, i, off, l int) {
	putU16(b, page.HeaderSize+4*i, off)
	putU16(b, page.HeaderSize+4*i+2, l)
}

// fill writes deterministic pseudo-random bytes derived from seed into b.
func fill(b []byte, seed uint64) []byte {
	x := seed*0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D
	for i := range b {
		// splitmix64 step
		x += 0x9E3779B97F4A7C15
		z := x
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		b[i] = byte(z ^ (z >> 31))
	}
	return b
}

func cellOf(n int, seed uint64) []byte { return fill(make([]byte, n), seed) }

// sealedBytes returns a copy of p's bytes after sealing it.
func sealedBytes(p *page.Page) []byte {
	p.Seal()
	return bytes.Clone(p.Bytes())
}

// reseal stores a fresh CRC over b, so that only structural checks can
// reject it.
func reseal(b []byte) {
	var p page.Page
	copy(p.Bytes(), b)
	p.Seal()
	copy(b, p.Bytes()[:4])
}

// leafWithCells builds a leaf page holding the given number of cells of
// assorted sizes, with a hole or two from deletes, and returns it unsealed
// together with the cells it holds in slot order.
func leafWithCells(t testing.TB, id uint64, n int) (*page.Page, [][]byte) {
	t.Helper()
	p := page.New(id, page.TypeLeaf)
	p.SetGen(7)
	p.SetAux(99)
	var cells [][]byte
	for i := 0; i < n+2; i++ {
		c := cellOf(8+(i*37)%200, uint64(i)+id)
		if err := p.Insert(len(cells), c); err != nil {
			t.Fatalf("insert cell %d: %v", i, err)
		}
		cells = append(cells, c)
	}
	// Two deletes in the middle leave fragmented holes.
	for _, i := range []int{1, 2} {
		if len(cells) > i+1 {
			p.Delete(i)
			cells = append(cells[:i], cells[i+1:]...)
		}
	}
	return p, cells
}

// wantCorrupt fails unless err is a *page.CorruptionError for page id that
// matches page.ErrCorrupt.
func wantCorrupt(t testing.TB, err error, id uint64, what string) *page.CorruptionError {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: Verify returned nil, want a corruption error", what)
	}
	if !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("%s: error %v does not match ErrCorrupt", what, err)
	}
	var ce *page.CorruptionError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: error %T is not a *page.CorruptionError", what, err)
	}
	if ce.Page != id {
		t.Fatalf("%s: CorruptionError.Page = %d, want %d", what, ce.Page, id)
	}
	if ce.Reason == "" || !strings.Contains(err.Error(), ce.Reason) {
		t.Fatalf("%s: error %q lacks its reason %q", what, err, ce.Reason)
	}
	return ce
}
