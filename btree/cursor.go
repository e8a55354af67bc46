package btree

import (
	"github.com/projstore/projstore/page"
)

// Cursor walks a tree in key order, both ways. It holds the pages of its
// path: it is valid only while the tree does not change. A caller that lets
// go of the tree between steps re-seeks by key.
type Cursor struct {
	t     *Tree
	stack []frame
	err   error
	buf   [6]frame // the stack's first home: trees are rarely deeper
}

type frame struct {
	pg *page.Page
	i  int // child index in a branch (0..Count), cell index in a leaf
}

// Cursor returns an unpositioned cursor over t.
func (t *Tree) Cursor() *Cursor {
	c := &Cursor{t: t}
	c.stack = c.buf[:0]
	return c
}

// Reset re-targets c at t, keeping its buffers.
func (c *Cursor) Reset(t *Tree) {
	c.t = t
	c.stack = c.stack[:0]
	c.err = nil
}

// Err returns the error that stopped the cursor, if any.
func (c *Cursor) Err() error { return c.err }

// Valid reports whether the cursor is at an entry.
func (c *Cursor) Valid() bool {
	if c.err != nil || len(c.stack) == 0 {
		return false
	}
	f := c.stack[len(c.stack)-1]
	return f.i >= 0 && f.i < f.pg.Count()
}

func (c *Cursor) leaf() []byte {
	f := c.stack[len(c.stack)-1]
	return f.pg.Cell(f.i)
}

// Key returns the current key; it aliases the page.
func (c *Cursor) Key() []byte { return leafKey(c.leaf()) }

// Stamp returns the current entry's stamp.
func (c *Cursor) Stamp() uint64 { return leafStamp(c.leaf()) }

// Entry returns the current entry's key, stamp and value reference with
// one look-up of its cell, for scans that want all three. It does not
// re-check the cell: every page is checked whole (ValidatePage) when it is
// read from the file, and the writer builds its pages well-formed. The key
// and Inline alias the page.
func (c *Cursor) Entry() (key []byte, stamp uint64, r Ref) {
	cell := c.leaf()
	k := int(leU16(cell[1:]))
	key, rest := cell[leafHeader:leafHeader+k], cell[leafHeader+k:]
	r.Len = leafLen(cell)
	if cell[0]&flagOverflow != 0 {
		r.Overflow = leU64(rest)
	} else {
		r.Inline = rest
	}
	return key, leafStamp(cell), r
}

// Ref returns the current entry's value reference; Inline aliases the page.
func (c *Cursor) Ref() (Ref, error) {
	f := c.stack[len(c.stack)-1]
	r, err := cellRef(f.pg, f.pg.Cell(f.i))
	if err != nil {
		c.err = err
	}
	return r, err
}

func (c *Cursor) push(id uint64) (*page.Page, bool) {
	if len(c.stack) > maxDepth {
		c.err = page.Corruptf(id, "tree deeper than %d levels", maxDepth)
		return nil, false
	}
	pg, err := c.t.P.Page(id)
	if err != nil {
		c.err = err
		return nil, false
	}
	if t := pg.Type(); t != page.TypeBranch && t != page.TypeLeaf {
		c.err = page.Corruptf(id, "%v page inside a tree", t)
		return nil, false
	}
	c.stack = append(c.stack, frame{pg: pg})
	return pg, true
}

// SeekGE positions c at the first entry >= key.
func (c *Cursor) SeekGE(key []byte) bool {
	c.stack, c.err = c.stack[:0], nil
	for id := c.t.Root; id != 0; {
		pg, ok := c.push(id)
		if !ok {
			return false
		}
		f := &c.stack[len(c.stack)-1]
		if pg.Type() == page.TypeLeaf {
			f.i, _ = c.t.search(pg, key, inLeaf)
			if f.i >= pg.Count() {
				return c.nextLeaf()
			}
			return true
		}
		f.i = c.t.childIndex(pg, key)
		id = child(pg, f.i)
	}
	return false
}

// SeekLT positions c at the last entry < key.
func (c *Cursor) SeekLT(key []byte) bool {
	if !c.SeekGE(key) {
		if c.err != nil {
			return false
		}
		return c.Last()
	}
	return c.Prev()
}

// First positions c at the smallest entry.
func (c *Cursor) First() bool {
	c.stack, c.err = c.stack[:0], nil
	return c.descend(c.t.Root, false)
}

// Last positions c at the largest entry.
func (c *Cursor) Last() bool {
	c.stack, c.err = c.stack[:0], nil
	return c.descend(c.t.Root, true)
}

// descend goes down from id along the leftmost (or rightmost) edge, skipping
// over empty leaves.
func (c *Cursor) descend(id uint64, last bool) bool {
	if id == 0 {
		return false
	}
	for {
		pg, ok := c.push(id)
		if !ok {
			return false
		}
		f := &c.stack[len(c.stack)-1]
		if pg.Type() == page.TypeLeaf {
			if pg.Count() == 0 {
				if last {
					return c.prevLeaf()
				}
				return c.nextLeaf()
			}
			if last {
				f.i = pg.Count() - 1
			}
			return true
		}
		if last {
			f.i = pg.Count()
		}
		id = child(pg, f.i)
	}
}

// Next moves to the next entry.
func (c *Cursor) Next() bool {
	if !c.Valid() {
		return false
	}
	f := &c.stack[len(c.stack)-1]
	f.i++
	if f.i < f.pg.Count() {
		return true
	}
	return c.nextLeaf()
}

// Prev moves to the previous entry.
func (c *Cursor) Prev() bool {
	if !c.Valid() {
		return false
	}
	f := &c.stack[len(c.stack)-1]
	f.i--
	if f.i >= 0 {
		return true
	}
	return c.prevLeaf()
}

func (c *Cursor) nextLeaf() bool {
	c.stack = c.stack[:len(c.stack)-1]
	for len(c.stack) > 0 {
		f := &c.stack[len(c.stack)-1]
		if f.i < f.pg.Count() {
			f.i++
			return c.descend(child(f.pg, f.i), false)
		}
		c.stack = c.stack[:len(c.stack)-1]
	}
	return false
}

func (c *Cursor) prevLeaf() bool {
	c.stack = c.stack[:len(c.stack)-1]
	for len(c.stack) > 0 {
		f := &c.stack[len(c.stack)-1]
		if f.i > 0 {
			f.i--
			return c.descend(child(f.pg, f.i), true)
		}
		c.stack = c.stack[:len(c.stack)-1]
	}
	return false
}
