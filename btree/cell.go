package btree

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/projstore/projstore/page"
)

const (
	leafHeader   = 15
	branchHeader = 10
	flagOverflow = 1

	// SuffixSize is the length of the version suffix of history keys.
	SuffixSize = 8
	// MaxKey is the longest key a tree accepts, suffix included.
	MaxKey = 1024 + SuffixSize
	// MaxValue is the largest value a tree stores. A cell claiming more is
	// damage: reads size their buffers by the claim.
	MaxValue = 64 << 20
)

// LeafCell is a decoded leaf cell. Key and Value.Inline alias the cell.
type LeafCell struct {
	Key   []byte
	Stamp uint64
	Value Ref // the value's length, and its bytes or its overflow chain
}

// BranchCell is a decoded branch cell: Child holds the keys from Key up to
// the next cell's key.
type BranchCell struct {
	Key   []byte
	Child uint64
}

// DecodeLeaf decodes a leaf cell and checks every length it claims: a key
// of 1 to MaxKey bytes inside the cell, an inline value exactly filling the
// rest, or an 8-byte overflow reference to a value of 1 to MaxValue bytes.
// It is the only checking reader of the layout: the tree checks each page
// with it once (ValidatePage) and then reads keys in place, and tools that
// look at raw pages use it rather than the layout's offsets.
func DecodeLeaf(c []byte) (LeafCell, error) {
	var l LeafCell
	if len(c) < leafHeader {
		return l, fmt.Errorf("btree: leaf cell of %d bytes, the header takes %d", len(c), leafHeader)
	}
	k, flags := int(leU16(c[1:])), c[0]
	l.Stamp, l.Value.Len = leafStamp(c), leafLen(c)
	if flags&^flagOverflow != 0 {
		return l, fmt.Errorf("btree: leaf cell has unknown flags %#x", flags)
	}
	if k == 0 || k > MaxKey || leafHeader+k > len(c) {
		return l, fmt.Errorf("btree: leaf cell of %d bytes claims a %d-byte key", len(c), k)
	}
	l.Key, c = c[leafHeader:leafHeader+k], c[leafHeader+k:]
	if flags&flagOverflow == 0 {
		if uint32(len(c)) != l.Value.Len {
			return l, fmt.Errorf("btree: leaf cell claims a %d-byte value and holds %d", l.Value.Len, len(c))
		}
		l.Value.Inline = c
		return l, nil
	}
	if len(c) != 8 || l.Value.Len == 0 || l.Value.Len > MaxValue {
		return l, fmt.Errorf("btree: leaf cell has a bad overflow reference (%d bytes for a %d-byte value)", len(c), l.Value.Len)
	}
	l.Value.Overflow = leU64(c)
	return l, nil
}

// DecodeBranch decodes a branch cell and checks its key length, as
// DecodeLeaf does for leaves.
func DecodeBranch(c []byte) (BranchCell, error) {
	if len(c) < branchHeader {
		return BranchCell{}, fmt.Errorf("btree: branch cell of %d bytes, the header takes %d", len(c), branchHeader)
	}
	if k := int(leU16(c[8:])); k == 0 || k > MaxKey || branchHeader+k != len(c) {
		return BranchCell{}, fmt.Errorf("btree: branch cell of %d bytes claims a %d-byte key", len(c), k)
	}
	return BranchCell{Key: branchKey(c), Child: branchChild(c)}, nil
}

func leafKey(c []byte) []byte {
	k := int(binary.LittleEndian.Uint16(c[1:]))
	return c[leafHeader : leafHeader+k]
}

func leafStamp(c []byte) uint64 { return binary.LittleEndian.Uint64(c[3:]) }

func branchKey(c []byte) []byte {
	k := int(binary.LittleEndian.Uint16(c[8:]))
	return c[branchHeader : branchHeader+k]
}

func branchChild(c []byte) uint64 { return binary.LittleEndian.Uint64(c) }

// inline reports whether a value of n bytes stays in the leaf cell.
func inline(k, n int) bool { return leafHeader+k+n <= page.MaxCell }

func leafCellSize(k int, r *Ref) int {
	if r.Overflow != 0 {
		return leafHeader + k + 8
	}
	return leafHeader + k + len(r.Inline)
}

func putLeafCell(c []byte, key []byte, stamp uint64, r *Ref) {
	c[0] = 0
	if r.Overflow != 0 {
		c[0] = flagOverflow
	}
	binary.LittleEndian.PutUint16(c[1:], uint16(len(key)))
	binary.LittleEndian.PutUint64(c[3:], stamp)
	binary.LittleEndian.PutUint32(c[11:], r.Len)
	copy(c[leafHeader:], key)
	if r.Overflow != 0 {
		binary.LittleEndian.PutUint64(c[leafHeader+len(key):], r.Overflow)
	} else {
		copy(c[leafHeader+len(key):], r.Inline)
	}
}

func putBranchCell(c []byte, key []byte, child uint64) {
	binary.LittleEndian.PutUint64(c, child)
	binary.LittleEndian.PutUint16(c[8:], uint16(len(key)))
	copy(c[branchHeader:], key)
}

// Compare orders keys. Plain trees compare bytes; versioned (history) trees
// compare the key without its 8-byte suffix first and the suffix after, so
// all versions of one key sit together and keys keep their byte order.
func (t *Tree) Compare(a, b []byte) int {
	if !t.Versioned || len(a) < SuffixSize || len(b) < SuffixSize {
		return bytes.Compare(a, b)
	}
	na, nb := len(a)-SuffixSize, len(b)-SuffixSize
	if c := bytes.Compare(a[:na], b[:nb]); c != 0 {
		return c
	}
	return bytes.Compare(a[na:], b[nb:])
}

// The flags of search and childIndex, named so that a call says which kind
// of node it searches.
const inLeaf, inBranch = true, false

// search returns the first slot whose key is >= key, and whether it is
// equal. It searches through the page's index, building it on the page's
// first search: the key heads first, whole keys only where heads tie.
// Readers and the writer alike build it; the writer keeps it up to date as
// it inserts and deletes cells (indexInserted, indexDeleted), so that an
// index built once serves every later change of the page, and a split or
// merge drops it for the next search to rebuild.
func (t *Tree) search(pg *page.Page, key []byte, leaf bool) (int, bool) {
	return t.searchBuild(pg, key, leaf, true)
}

// searchBuild is search, building the index only if build is set. The
// writer does not build one for a leaf it changes for the first time in
// the epoch: under random changes most such leaves were just read from the
// file and are changed once, where a plain search is cheaper than building
// heads. A leaf changed again (or a branch) is worth indexing.
func (t *Tree) searchBuild(pg *page.Page, key []byte, leaf, build bool) (int, bool) {
	ix := pg.Index()
	if ix == nil {
		if !build || pg.Count() < minIndexed {
			return t.searchPlain(pg, key, leaf)
		}
		ix = t.buildIndex(pg, leaf)
		pg.SetIndex(ix)
	}
	return t.searchIndex(pg, ix, key, leaf)
}

// indexInserted brings ix, pg's index before the caller inserted key's
// cell at slot i, up to date: the new cell's head goes in at i. A key
// without the index's prefix leaves the page unindexed until its next
// search rebuilds it.
func (t *Tree) indexInserted(pg *page.Page, ix *page.Index, i int, key []byte, leaf bool) {
	if ix == nil || len(ix.Heads)+1 != pg.Count() {
		return
	}
	uk := t.userKey(key)
	p := ix.Prefix
	if p > 0 {
		var prefix []byte
		if p <= len(ix.Short) {
			prefix = ix.Short[:p]
		} else {
			other := 0 // a cell that was there before, which has the prefix
			if i == 0 {
				other = 1
			}
			prefix = t.userKey(cellKey(pg.Cell(other), leaf))[:p]
		}
		if len(uk) < p || !bytes.Equal(uk[:p], prefix) {
			return
		}
	}
	e := pg.AdoptIndex(ix)
	e.Heads = slices.Insert(e.Heads, i, head(uk, p))
}

// indexDeleted brings ix, pg's index before the caller deleted cell i, up
// to date. The cells left keep the prefix.
func (t *Tree) indexDeleted(pg *page.Page, ix *page.Index, i int) {
	if ix == nil || len(ix.Heads)-1 != pg.Count() || pg.Count() == 0 {
		return
	}
	e := pg.AdoptIndex(ix)
	e.Heads = slices.Delete(e.Heads, i, i+1)
}

// minIndexed: below this many cells a plain search is as fast.
const minIndexed = 8

// searchPlain is the reference search: binary search with bytes.Compare.
func (t *Tree) searchPlain(pg *page.Page, key []byte, leaf bool) (int, bool) {
	lo, hi := 0, pg.Count()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.Compare(cellKey(pg.Cell(m), leaf), key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < pg.Count() {
		return lo, t.Compare(cellKey(pg.Cell(lo), leaf), key) == 0
	}
	return lo, false
}

func cellKey(c []byte, leaf bool) []byte {
	if leaf {
		return leafKey(c)
	}
	return branchKey(c)
}

// userKey strips the version suffix: heads are taken over the part of the
// key that Compare orders first, so that head order agrees with key order.
func (t *Tree) userKey(k []byte) []byte {
	if t.Versioned && len(k) >= SuffixSize {
		return k[:len(k)-SuffixSize]
	}
	return k
}

// head returns 8 bytes of k from off, big-endian, zero padded. Keys whose
// heads differ compare as their heads do; equal heads say nothing.
func head(k []byte, off int) uint64 {
	if off >= len(k) {
		return 0
	}
	k = k[off:]
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

func (t *Tree) buildIndex(pg *page.Page, leaf bool) *page.Index {
	n := pg.Count()
	first := t.userKey(cellKey(pg.Cell(0), leaf))
	last := t.userKey(cellKey(pg.Cell(n-1), leaf))
	p := 0
	for p < len(first) && p < len(last) && first[p] == last[p] {
		p++
	}
	ix := &page.Index{Prefix: p, Heads: make([]uint64, n)}
	copy(ix.Short[:], first[:min(p, len(ix.Short))])
	for i := range n {
		ix.Heads[i] = head(t.userKey(cellKey(pg.Cell(i), leaf)), p)
	}
	return ix
}

func (t *Tree) searchIndex(pg *page.Page, ix *page.Index, key []byte, leaf bool) (int, bool) {
	n := len(ix.Heads)
	uk := t.userKey(key)
	if p := ix.Prefix; p > 0 {
		var prefix []byte
		if p <= len(ix.Short) {
			prefix = ix.Short[:p]
		} else {
			prefix = t.userKey(cellKey(pg.Cell(0), leaf))[:p]
		}
		if len(uk) < p || !bytes.Equal(uk[:p], prefix) {
			if bytes.Compare(uk, prefix) < 0 {
				return 0, false
			}
			return n, false
		}
	}
	q := head(uk, ix.Prefix)
	i := lowerBound(ix.Heads, q)
	for ; i < n && ix.Heads[i] == q; i++ {
		if c := t.Compare(cellKey(pg.Cell(i), leaf), key); c >= 0 {
			return i, c == 0
		}
	}
	return i, false
}

// childIndex returns which child of branch pg covers key: 0 is the aux
// child, i > 0 the child of cell i-1.
func (t *Tree) childIndex(pg *page.Page, key []byte) int {
	i, eq := t.search(pg, key, inBranch)
	if eq {
		return i + 1
	}
	return i
}

func child(pg *page.Page, i int) uint64 {
	if i == 0 {
		return pg.Aux()
	}
	return branchChild(pg.Cell(i - 1))
}

func setChild(pg *page.Page, i int, id uint64) {
	if i == 0 {
		pg.SetAux(id)
		return
	}
	binary.LittleEndian.PutUint64(pg.Cell(i-1), id)
}

func leafLen(c []byte) uint32 { return binary.LittleEndian.Uint32(c[11:]) }

func leU64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

func leU16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
