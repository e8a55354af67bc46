package page

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/projstore/projstore/crc"
)

// Layout constants; see the package documentation for the byte layout.
const (
	Size       = 4096
	HeaderSize = 40
	SlotSize   = 4
	Version    = 1

	// MaxCell is the largest cell a slotted page accepts. Three of the largest
	// cells fit in one page, so a node split by bytes always has two halves
	// that fit, whatever the mix of cell sizes.
	MaxCell = (Size-HeaderSize)/3 - SlotSize

	// OverflowCapacity is the payload one overflow page carries.
	OverflowCapacity = Size - HeaderSize

	// FreeCapacity is how many page ids one free-list page carries.
	FreeCapacity = (Size - HeaderSize) / 8

	// MaxSlots is how many slots fit between the header and the end of a
	// page: a count above it cannot be right.
	MaxSlots = (Size - HeaderSize) / SlotSize
)

// Header offsets. The CRC32C at offset 0 is package crc's (crc.Seal).
const (
	offType    = 4
	offVersion = 5
	offFlags   = 6
	offID      = 8
	offGen     = 16
	offCount   = 24
	offLower   = 26
	offUpper   = 28
	offFrag    = 30
	offAux     = 32
)

// Type says what a page holds.
type Type uint8

// Page types. The zero value is never written, so a zeroed page is invalid.
const (
	TypeSuperblock Type = 1 + iota
	TypeBranch
	TypeLeaf
	TypeOverflow
	TypeFree
)

func (t Type) String() string {
	switch t {
	case TypeSuperblock:
		return "superblock"
	case TypeBranch:
		return "branch"
	case TypeLeaf:
		return "leaf"
	case TypeOverflow:
		return "overflow"
	case TypeFree:
		return "free-list"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// ErrCorrupt is matched (with errors.Is) by every CorruptionError.
var ErrCorrupt = errors.New("projstore: corrupt data")

// ErrFull is returned when a cell does not fit in the page's free space.
var ErrFull = errors.New("page: not enough free space")

// CorruptionError names a page whose bytes cannot be trusted.
type CorruptionError struct {
	Page   uint64
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("projstore: corrupt page %d: %s", e.Page, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptionError) Unwrap() error { return ErrCorrupt }

// Corruptf builds a CorruptionError for page id.
func Corruptf(id uint64, format string, args ...any) error {
	return &CorruptionError{Page: id, Reason: fmt.Sprintf(format, args...)}
}

// Page is one 4 KiB page held in memory. Its methods assume a page that
// passed Verify (or was built by New); they never read outside the buffer.
// A zero Page gets its buffer from the first Bytes, Reset or CopyFrom.
type Page struct {
	idx atomic.Pointer[Index]
	// buf is an allocation of its own: exactly 4,096 bytes, a size class
	// of Go's allocator, and without pointers, so the collector never
	// scans it. Inline, the page would be 4,104 bytes, rounded up to the
	// 4,864-byte class: 18.5% of every cached page wasted.
	buf *[Size]byte
}

// Blank returns a page of zero bytes, to be filled (by a read from the
// file, or a copy).
func Blank() *Page { return &Page{buf: new([Size]byte)} }

// Index is an in-memory search aid for a slotted page, built by the page's
// user when the page is first searched and dropped by every change to the
// page's cells. It never reaches the file. Readers may build it
// concurrently: equal indexes replace each other harmlessly.
type Index struct {
	Prefix int      // length of the key prefix every cell shares
	Short  [16]byte // the prefix itself when it is at most 16 bytes, saving a read of cell 0
	Heads  []uint64 // per cell: 8 key bytes after the prefix, big-endian, zero padded

	// owner is the page that alone holds this index and may edit it in
	// place (see AdoptIndex); nil for an index any page may share.
	owner *Page
}

// Index returns the page's search index, or nil if none is built.
func (p *Page) Index() *Index { return p.idx.Load() }

// SetIndex attaches a search index matching the page's current cells.
func (p *Page) SetIndex(ix *Index) { p.idx.Store(ix) }

// AdoptIndex attaches ix, which matched p's cells before the caller's
// latest change to them (which dropped it), and returns an index equal to
// ix that p alone holds, for the caller to edit in place to match the cells
// again. ix itself is returned when p already owns it; else it is copied,
// since other pages (the copy-on-write original) may share it. It is for
// the single writer, which changes pages while no reader looks at them.
func (p *Page) AdoptIndex(ix *Index) *Index {
	if ix.owner != p {
		c := &Index{Prefix: ix.Prefix, Short: ix.Short, Heads: make([]uint64, len(ix.Heads), len(ix.Heads)+8), owner: p}
		copy(c.Heads, ix.Heads)
		ix = c
	}
	p.idx.Store(ix)
	return ix
}

// New returns an empty page of type t with the given id.
func New(id uint64, t Type) *Page {
	p := Blank()
	p.Reset(id, t)
	return p
}

// Reset empties p and makes it a page of type t with the given id.
func (p *Page) Reset(id uint64, t Type) {
	p.idx.Store(nil)
	clear(p.own()[:HeaderSize])
	p.buf[offType] = byte(t)
	p.buf[offVersion] = Version
	p.putU64(offID, id)
	p.putU16(offLower, HeaderSize)
	p.putU16(offUpper, Size)
}

// Bytes returns the page's buffer; writes to it change the page.
func (p *Page) Bytes() []byte { return p.own()[:] }

// own returns the buffer, allocating the zero Page's.
func (p *Page) own() *[Size]byte {
	if p.buf == nil {
		p.buf = new([Size]byte)
	}
	return p.buf
}

// CopyFrom makes p a copy of q.
func (p *Page) CopyFrom(q *Page) {
	*p.own() = *q.own()
	p.idx.Store(q.idx.Load())
}

func (p *Page) u16(off int) int          { return int(binary.LittleEndian.Uint16(p.buf[off:])) }
func (p *Page) putU16(off int, v int)    { binary.LittleEndian.PutUint16(p.buf[off:], uint16(v)) }
func (p *Page) putU64(off int, v uint64) { binary.LittleEndian.PutUint64(p.buf[off:], v) }

// ID returns the page id stored in the header.
func (p *Page) ID() uint64 { return binary.LittleEndian.Uint64(p.buf[offID:]) }

// SetID changes the page's id (a copy-on-write clone moves to a new id).
func (p *Page) SetID(id uint64) { p.putU64(offID, id) }

// Type returns the page type.
func (p *Page) Type() Type { return Type(p.buf[offType]) }

// Flags returns the user-owned flag bits.
func (p *Page) Flags() uint16 { return binary.LittleEndian.Uint16(p.buf[offFlags:]) }

// SetFlags sets the user-owned flag bits.
func (p *Page) SetFlags(f uint16) { binary.LittleEndian.PutUint16(p.buf[offFlags:], f) }

// Gen returns the generation of the commit that wrote the page.
func (p *Page) Gen() uint64 { return binary.LittleEndian.Uint64(p.buf[offGen:]) }

// SetGen records the generation of the commit writing the page.
func (p *Page) SetGen(g uint64) { p.putU64(offGen, g) }

// Aux returns the type-specific pointer (leftmost child, next page).
func (p *Page) Aux() uint64 { return binary.LittleEndian.Uint64(p.buf[offAux:]) }

// SetAux sets the type-specific pointer.
func (p *Page) SetAux(v uint64) { p.putU64(offAux, v) }

// Count returns the number of cells (slotted), payload bytes (overflow) or
// ids (free list).
func (p *Page) Count() int { return p.u16(offCount) }

// Version returns the page format version the header records; Verify
// rejects any but Version.
func (p *Page) Version() int { return int(p.buf[offVersion]) }

// Lower returns the end of a slotted page's slot directory. With Upper and
// Fragmented it bounds the free space; the page dumper shows all three raw,
// so that damage to them can be seen.
func (p *Page) Lower() int { return p.u16(offLower) }

// Upper returns the start of a slotted page's cell area; see Lower.
func (p *Page) Upper() int { return p.u16(offUpper) }

// Fragmented returns the bytes of holes in a slotted page's cell area.
func (p *Page) Fragmented() int { return p.u16(offFrag) }

// Seal stores the CRC32C of the page. Call it last, right before the bytes
// go to the file.
func (p *Page) Seal() { crc.Seal(p.buf[:]) }

// Verify checks that b is a sealed page with id want: CRC first, then the id,
// then the header and, for slotted pages, that every slot lies inside the
// cell area and no two cells overlap. It never panics, whatever b holds.
func Verify(b []byte, want uint64) error {
	if len(b) != Size {
		return Corruptf(want, "page is %d bytes, want %d", len(b), Size)
	}
	if !crc.Valid(b) {
		return Corruptf(want, "checksum mismatch")
	}
	// read b in place: Verify's reads of p never write
	p := Page{buf: (*[Size]byte)(b)}
	if id := p.ID(); id != want {
		return Corruptf(want, "page holds id %d (misdirected write)", id)
	}
	if v := p.Version(); v != Version {
		return Corruptf(want, "unknown page format version %d", v)
	}
	switch t := p.Type(); t {
	case TypeBranch, TypeLeaf:
		return p.verifySlots()
	case TypeOverflow:
		if p.Count() > OverflowCapacity {
			return Corruptf(want, "overflow payload of %d bytes", p.Count())
		}
	case TypeFree:
		if p.Count() > FreeCapacity {
			return Corruptf(want, "free-list page with %d ids", p.Count())
		}
	case TypeSuperblock:
	default:
		return Corruptf(want, "unknown page type %d", uint8(t))
	}
	return nil
}

func (p *Page) verifySlots() error {
	n, lower, upper, frag := p.Count(), p.Lower(), p.Upper(), p.Fragmented()
	if lower != HeaderSize+n*SlotSize || lower > upper || upper > Size {
		return Corruptf(p.ID(), "bad free-space bounds: count %d lower %d upper %d", n, lower, upper)
	}
	// Sort the cells by offset (packed as offset<<16 | length, on the
	// stack) and check that each ends before the next begins.
	var spans [MaxSlots]uint32
	total := 0
	for i := 0; i < n; i++ {
		off, l := p.Slot(i)
		if l == 0 || off < upper || off+l > Size {
			return Corruptf(p.ID(), "slot %d points outside the cell area (offset %d length %d)", i, off, l)
		}
		spans[i] = uint32(off)<<16 | uint32(l)
		total += l
	}
	slices.Sort(spans[:n])
	for i := 1; i < n; i++ {
		prevEnd := int(spans[i-1]>>16) + int(spans[i-1]&0xffff)
		if prevEnd > int(spans[i]>>16) {
			return Corruptf(p.ID(), "cells overlap at offset %d", spans[i]>>16)
		}
	}
	if total+frag != Size-upper {
		return Corruptf(p.ID(), "cell area accounting: %d bytes in cells + %d fragmented != %d", total, frag, Size-upper)
	}
	return nil
}

// Slot returns where slot i says cell i lies. It reads the slot as it is,
// for a page that may not verify (the page dumper): i must be below
// MaxSlots, and the caller checks that the cell lies inside the page.
func (p *Page) Slot(i int) (off, length int) {
	s := HeaderSize + i*SlotSize
	return p.u16(s), p.u16(s + 2)
}

func (p *Page) setSlot(i, off, length int) {
	s := HeaderSize + i*SlotSize
	p.putU16(s, off)
	p.putU16(s+2, length)
}

// Cell returns cell i without copying it. The slice is capped at the cell's
// end; it is valid until the page changes.
func (p *Page) Cell(i int) []byte {
	off, l := p.Slot(i)
	return p.buf[off : off+l : off+l]
}

// CellLen returns the length of cell i.
func (p *Page) CellLen(i int) int {
	_, l := p.Slot(i)
	return l
}

// FreeSpace returns the bytes available for new cells and their slots,
// counting fragmented holes that Compact would reclaim.
func (p *Page) FreeSpace() int {
	return p.u16(offUpper) - p.u16(offLower) + p.u16(offFrag)
}

// Used returns the bytes taken by slots and cells.
func (p *Page) Used() int { return Size - HeaderSize - p.FreeSpace() }

// Fits reports whether a cell of n bytes can be inserted.
func (p *Page) Fits(n int) bool { return n <= MaxCell && n+SlotSize <= p.FreeSpace() }

// Alloc inserts an n-byte cell at slot i, shifting later slots up, and
// returns the cell's bytes for the caller to fill.
func (p *Page) Alloc(i, n int) ([]byte, error) {
	count := p.Count()
	if i < 0 || i > count || n <= 0 {
		return nil, fmt.Errorf("page: alloc slot %d of %d bytes in a page of %d cells", i, n, count)
	}
	if !p.Fits(n) {
		return nil, ErrFull
	}
	p.idx.Store(nil)
	lower, upper := p.u16(offLower), p.u16(offUpper)
	if upper-lower < n+SlotSize {
		p.Compact()
		lower, upper = p.u16(offLower), p.u16(offUpper)
	}
	upper -= n
	s := HeaderSize + i*SlotSize
	copy(p.buf[s+SlotSize:lower+SlotSize], p.buf[s:lower])
	p.setSlot(i, upper, n)
	p.putU16(offCount, count+1)
	p.putU16(offLower, lower+SlotSize)
	p.putU16(offUpper, upper)
	return p.buf[upper : upper+n : upper+n], nil
}

// Insert copies cell into slot i. cell must not alias the page.
func (p *Page) Insert(i int, cell []byte) error {
	b, err := p.Alloc(i, len(cell))
	if err != nil {
		return err
	}
	copy(b, cell)
	return nil
}

// Delete removes cell i; its bytes become a hole until Compact.
func (p *Page) Delete(i int) {
	count := p.Count()
	if i < 0 || i >= count {
		return
	}
	p.idx.Store(nil)
	off, l := p.Slot(i)
	upper := p.u16(offUpper)
	if off == upper {
		p.putU16(offUpper, upper+l)
	} else {
		p.putU16(offFrag, p.u16(offFrag)+l)
	}
	lower := p.u16(offLower)
	s := HeaderSize + i*SlotSize
	copy(p.buf[s:lower-SlotSize], p.buf[s+SlotSize:lower])
	p.putU16(offCount, count-1)
	p.putU16(offLower, lower-SlotSize)
	if count == 1 {
		p.putU16(offUpper, Size)
		p.putU16(offFrag, 0)
	}
}

// Replace swaps cell i for cell, in place when it is not longer. cell must
// not alias the page.
func (p *Page) Replace(i int, cell []byte) error {
	if i < 0 || i >= p.Count() || len(cell) == 0 {
		return fmt.Errorf("page: replace slot %d with %d bytes in a page of %d cells", i, len(cell), p.Count())
	}
	p.idx.Store(nil)
	off, l := p.Slot(i)
	if len(cell) <= l && len(cell) > 0 {
		copy(p.buf[off:], cell)
		p.setSlot(i, off, len(cell))
		p.putU16(offFrag, p.u16(offFrag)+l-len(cell))
		return nil
	}
	if len(cell) > MaxCell || len(cell)-l > p.FreeSpace() {
		return ErrFull
	}
	p.Delete(i)
	return p.Insert(i, cell)
}

// Truncate drops every cell from slot n on.
func (p *Page) Truncate(n int) {
	n = max(n, 0)
	for p.Count() > n {
		p.Delete(p.Count() - 1)
	}
}

// Compact moves every cell to the end of the page, in slot order, so that
// the free space is one contiguous run.
func (p *Page) Compact() {
	var tmp [Size]byte
	end := Size
	n := p.Count()
	for i := 0; i < n; i++ {
		off, l := p.Slot(i)
		end -= l
		copy(tmp[end:], p.buf[off:off+l])
		p.setSlot(i, end, l)
	}
	copy(p.buf[end:], tmp[end:])
	p.putU16(offUpper, end)
	p.putU16(offFrag, 0)
}

// Payload returns the data bytes of an overflow page.
func (p *Page) Payload() []byte {
	n := min(p.Count(), OverflowCapacity)
	return p.buf[HeaderSize : HeaderSize+n : HeaderSize+n]
}

// SetPayload stores b (at most OverflowCapacity bytes) as the overflow data.
func (p *Page) SetPayload(b []byte) int {
	n := copy(p.buf[HeaderSize:], b)
	p.putU16(offCount, n)
	return n
}

// FreeID returns id i of a free-list page.
func (p *Page) FreeID(i int) uint64 {
	return binary.LittleEndian.Uint64(p.buf[HeaderSize+8*i:])
}

// AppendFreeID adds id to a free-list page; false when the page is full.
func (p *Page) AppendFreeID(id uint64) bool {
	n := p.Count()
	if n >= FreeCapacity {
		return false
	}
	p.putU64(HeaderSize+8*n, id)
	p.putU16(offCount, n+1)
	return true
}

// Clear removes every cell of a slotted page, keeping its header identity
// (type, id, generation, flags, aux).
func (p *Page) Clear() {
	p.idx.Store(nil)
	p.putU16(offCount, 0)
	p.putU16(offLower, HeaderSize)
	p.putU16(offUpper, Size)
	p.putU16(offFrag, 0)
}
