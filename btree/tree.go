package btree

import (
	"errors"
	"fmt"
	"sync"

	"github.com/projstore/projstore/page"
)

// Pager is what a tree needs from the file: pages to read, writable
// (copy-on-write) versions of them, new pages, and a way to give pages back.
type Pager interface {
	Page(id uint64) (*page.Page, error)
	Write(id uint64) (*page.Page, error)
	Alloc(t page.Type) (*page.Page, error)
	Free(id uint64)
	// IsFresh reports whether id was allocated in the current epoch (so
	// Write changes it in place), and Epoch names that epoch.
	IsFresh(id uint64) bool
	Epoch() uint64
}

// ErrKeyTooLarge is returned for keys longer than MaxKey or empty.
var ErrKeyTooLarge = errors.New("btree: key length out of range")

// capacity is the room for slots and cells in a page.
const capacity = page.Size - page.HeaderSize

// Tree is a B+tree rooted at Root (0: empty). A Tree value is cheap: the
// store keeps one per table and key space. Reads may run concurrently with
// each other; changes must be serialised by the caller and must not overlap
// reads of the same tree.
type Tree struct {
	P         Pager
	Root      uint64
	Versioned bool

	hint hint // the writer's last leaf, for runs of nearby keys
}

// Ref locates a stored value: inline bytes, or an overflow chain.
type Ref struct {
	Len      uint32
	Overflow uint64 // first page of the chain; 0 when Inline holds the value
	Inline   []byte
}

// copyTo makes *dst a copy of r whose inline bytes sit in dst's own
// buffer (reused), so that it outlives the cell r was read from.
func (r Ref) copyTo(dst *Ref) {
	*dst = Ref{Len: r.Len, Overflow: r.Overflow, Inline: append(dst.Inline[:0], r.Inline...)}
}

var tmpPages = sync.Pool{New: func() any { return page.Blank() }}

// Get finds key. The returned Ref's Inline aliases the page: copy it, or
// read it with Value, before the tree changes.
func (t *Tree) Get(key []byte) (stamp uint64, r Ref, found bool, err error) {
	id := t.Root
	for depth := 0; id != 0; depth++ {
		if depth > maxDepth {
			return 0, r, false, page.Corruptf(id, "tree deeper than %d levels", maxDepth)
		}
		pg, err := t.P.Page(id)
		if err != nil {
			return 0, r, false, err
		}
		switch pg.Type() {
		case page.TypeBranch:
			id = child(pg, t.childIndex(pg, key))
		case page.TypeLeaf:
			i, eq := t.search(pg, key, inLeaf)
			if !eq {
				return 0, r, false, nil
			}
			c := pg.Cell(i)
			r, err = cellRef(pg, c)
			return leafStamp(c), r, err == nil, err
		default:
			return 0, r, false, page.Corruptf(id, "%v page inside a tree", pg.Type())
		}
	}
	return 0, r, false, nil
}

const maxDepth = 32

// cellRef reads the value reference of leaf cell c of pg.
func cellRef(pg *page.Page, c []byte) (Ref, error) {
	l, err := DecodeLeaf(c)
	if err != nil {
		return Ref{}, page.Corruptf(pg.ID(), "%v", err)
	}
	return l.Value, nil
}

// Put stores key -> (stamp, value). A value it replaces is freed, overflow
// chain and all.
func (t *Tree) Put(key []byte, stamp uint64, value []byte) error {
	r, err := t.NewRef(len(key), value)
	if err != nil {
		return err
	}
	return t.PutRef(key, stamp, r)
}

// Swap stores key -> (stamp, value) and hands the entry it replaced to the
// caller in *old, overflow chain included: the tree no longer owns that
// chain, and the caller must store it elsewhere (PutRef) or free it
// (FreeRef). This is how the store moves a replaced version into history
// without copying its chain. old.Inline is refilled in its own buffer, so
// it stays valid when the tree changes. old must not be nil.
func (t *Tree) Swap(key []byte, stamp uint64, value []byte, old *Ref) (oldStamp uint64, existed bool, err error) {
	if old == nil {
		panic("btree: Swap without a Ref to hand the old entry to")
	}
	r, err := t.NewRef(len(key), value)
	if err != nil {
		return 0, false, err
	}
	return t.put(key, stamp, r, old)
}

// NewRef stores value for a key of length k: inline when the leaf cell
// stays small, else in a new overflow chain.
func (t *Tree) NewRef(k int, value []byte) (Ref, error) {
	if len(value) > MaxValue {
		return Ref{}, fmt.Errorf("btree: value of %d bytes, the limit is %d", len(value), MaxValue)
	}
	r := Ref{Len: uint32(len(value))}
	if inline(k, len(value)) {
		r.Inline = value
		return r, nil
	}
	var err error
	r.Overflow, err = t.writeOverflow(value)
	return r, err
}

// PutRef stores key -> (stamp, r), taking over r's overflow chain (from
// NewRef, Swap or Take). A value it replaces is freed, as by Put.
func (t *Tree) PutRef(key []byte, stamp uint64, r Ref) error {
	_, _, err := t.put(key, stamp, r, nil)
	return err
}

// put stores key -> (stamp, r). keep, if not nil, receives the replaced
// entry and its chain (Swap); else the replaced chain is freed.
func (t *Tree) put(key []byte, stamp uint64, r Ref, keep *Ref) (oldStamp uint64, existed bool, err error) {
	if len(key) == 0 || len(key) > MaxKey {
		return 0, false, ErrKeyTooLarge
	}
	if r.Overflow == 0 {
		if uint32(len(r.Inline)) != r.Len {
			return 0, false, fmt.Errorf("btree: inline value of %d bytes claims %d", len(r.Inline), r.Len)
		}
		// A value inline under a shorter key (the store moves values under
		// key ‖ version) may not fit in this key's cell.
		if !inline(len(key), len(r.Inline)) {
			if r, err = t.NewRef(len(key), r.Inline); err != nil {
				return 0, false, err
			}
		}
	}
	ins := insertion{key: key, stamp: stamp, ref: r, keep: keep}
	if done, err := t.insertHinted(&ins); err != nil || done {
		if err != nil {
			return 0, false, err
		}
		return t.finishPut(&ins)
	}
	t.hint.valid = false
	if t.Root == 0 {
		pg, err := t.P.Alloc(page.TypeLeaf)
		if err != nil {
			return 0, false, err
		}
		t.Root = pg.ID()
	}
	newID, sp, err := t.insert(t.Root, &ins, 0)
	if err != nil {
		return 0, false, err
	}
	t.Root = newID
	if sp != nil {
		root, err := t.P.Alloc(page.TypeBranch)
		if err != nil {
			return 0, false, err
		}
		root.SetAux(newID)
		b, err := root.Alloc(0, branchHeader+len(sp.key))
		if err != nil {
			return 0, false, err
		}
		putBranchCell(b, sp.key, sp.right)
		t.Root = root.ID()
	}
	if ins.leaf != 0 {
		t.setHint(&ins)
	}
	return t.finishPut(&ins)
}

func (t *Tree) finishPut(ins *insertion) (oldStamp uint64, existed bool, err error) {
	if ins.existed && ins.keep == nil && ins.oldRef.Overflow != 0 {
		if err := t.FreeRef(ins.oldRef); err != nil {
			return 0, false, err
		}
	}
	return ins.oldStamp, ins.existed, nil
}

type insertion struct {
	key   []byte
	stamp uint64
	ref   Ref
	keep  *Ref // see put

	existed  bool
	oldStamp uint64
	oldRef   Ref // the replaced chain, to free when keep is nil

	// The leaf's bounds from its ancestors' separators, and the leaf itself
	// when it took the entry without splitting (for the tree's hint).
	lo, hi       []byte
	hasLo, hasHi bool
	leaf         uint64
}

type split struct {
	key   []byte
	right uint64
}

func (t *Tree) insert(id uint64, ins *insertion, depth int) (uint64, *split, error) {
	if depth > maxDepth {
		return 0, nil, page.Corruptf(id, "tree deeper than %d levels", maxDepth)
	}
	pg, err := t.P.Write(id)
	if err != nil {
		return 0, nil, err
	}
	switch pg.Type() {
	case page.TypeLeaf:
		// Write keeps the id of a page already written in this epoch.
		i, eq := t.searchBuild(pg, ins.key, inLeaf, pg.ID() == id)
		return t.insertLeafAt(pg, ins, i, eq)
	case page.TypeBranch:
	default:
		return 0, nil, page.Corruptf(id, "%v page inside a tree", pg.Type())
	}
	ci := t.childIndex(pg, ins.key)
	if ci > 0 {
		ins.lo, ins.hasLo = branchKey(pg.Cell(ci-1)), true
	}
	if ci < pg.Count() {
		ins.hi, ins.hasHi = branchKey(pg.Cell(ci)), true
	}
	newChild, sp, err := t.insert(child(pg, ci), ins, depth+1)
	if err != nil {
		return 0, nil, err
	}
	setChild(pg, ci, newChild)
	if sp == nil {
		return pg.ID(), nil, nil
	}
	sp2, err := t.insertBranch(pg, ci, sp)
	return pg.ID(), sp2, err
}

// insertLeafAt puts ins into leaf pg, where the search found slot i (eq:
// the key is there already), splitting the leaf if it does not fit.
func (t *Tree) insertLeafAt(pg *page.Page, ins *insertion, i int, eq bool) (uint64, *split, error) {
	ix := pg.Index()
	if eq {
		c := pg.Cell(i)
		r, err := cellRef(pg, c)
		if err != nil {
			return 0, nil, err
		}
		ins.existed, ins.oldStamp = true, leafStamp(c)
		if ins.keep != nil {
			r.copyTo(ins.keep)
		} else {
			ins.oldRef = Ref{Len: r.Len, Overflow: r.Overflow}
		}
		pg.Delete(i)
	}
	size := leafCellSize(len(ins.key), &ins.ref)
	if pg.Fits(size) {
		b, err := pg.Alloc(i, size)
		if err != nil {
			return 0, nil, err
		}
		putLeafCell(b, ins.key, ins.stamp, &ins.ref)
		if eq {
			if ix != nil {
				pg.SetIndex(ix) // the same key in the same slot: the same heads
			}
		} else {
			t.indexInserted(pg, ix, i, ins.key, inLeaf)
		}
		ins.leaf = pg.ID()
		return pg.ID(), nil, nil
	}
	// Split by bytes. The new cell is built in a scratch page so that the
	// redistribution below handles old and new cells alike.
	scratch := tmpPages.Get().(*page.Page)
	defer tmpPages.Put(scratch)
	scratch.Reset(0, page.TypeLeaf)
	nb, err := scratch.Alloc(0, size)
	if err != nil {
		return 0, nil, err
	}
	putLeafCell(nb, ins.key, ins.stamp, &ins.ref)
	return t.splitNode(pg, i, nb)
}

// insertBranch adds the separator a child split produced, next to child ci.
func (t *Tree) insertBranch(pg *page.Page, ci int, sp *split) (*split, error) {
	size := branchHeader + len(sp.key)
	if pg.Fits(size) {
		ix := pg.Index()
		b, err := pg.Alloc(ci, size)
		if err != nil {
			return nil, err
		}
		putBranchCell(b, sp.key, sp.right)
		t.indexInserted(pg, ix, ci, sp.key, inBranch)
		return nil, nil
	}
	scratch := tmpPages.Get().(*page.Page)
	defer tmpPages.Put(scratch)
	scratch.Reset(0, page.TypeBranch)
	nb, err := scratch.Alloc(0, size)
	if err != nil {
		return nil, err
	}
	putBranchCell(nb, sp.key, sp.right)
	_, s, err := t.splitNode(pg, ci, nb)
	return s, err
}

// splitNode spreads pg's cells plus cell (at index at) over pg and a new
// right sibling, by bytes. Leaves copy their first right key up; branches
// move their middle cell up. Appending at the end (sequential keys, log
// order) keeps the left node full instead of halving it.
func (t *Tree) splitNode(pg *page.Page, at int, cell []byte) (uint64, *split, error) {
	old := tmpPages.Get().(*page.Page)
	defer tmpPages.Put(old)
	old.CopyFrom(pg)
	n := old.Count() + 1
	get := func(j int) []byte {
		switch {
		case j < at:
			return old.Cell(j)
		case j == at:
			return cell
		default:
			return old.Cell(j - 1)
		}
	}
	total := 0
	for j := 0; j < n; j++ {
		total += len(get(j)) + page.SlotSize
	}
	leaf := pg.Type() == page.TypeLeaf
	// s: cells [0,s) stay left. For a branch, cell s moves up.
	s, left := 0, 0
	for s < n-1 && left+len(get(s))+page.SlotSize <= total/2 {
		left += len(get(s)) + page.SlotSize
		s++
	}
	if s == 0 {
		s = 1
	}
	if at == n-1 && old.Count() > 0 {
		s = n - 1 // appending: leave the left node full
	}
	if !leaf && s > n-2 {
		s = n - 2
	}
	right, err := t.P.Alloc(pg.Type())
	if err != nil {
		return 0, nil, err
	}
	pg.Clear()
	var sep []byte
	fill := func(dst *page.Page, c []byte) error {
		b, err := dst.Alloc(dst.Count(), len(c))
		if err == nil {
			copy(b, c)
		}
		return err
	}
	for j := 0; j < n; j++ {
		c := get(j)
		switch {
		case j < s:
			err = fill(pg, c)
		case j == s && !leaf:
			sep = append([]byte(nil), branchKey(c)...)
			right.SetAux(branchChild(c))
		default:
			if j == s {
				sep = append([]byte(nil), leafKey(c)...)
			}
			err = fill(right, c)
		}
		if err != nil {
			return 0, nil, fmt.Errorf("btree: split of page %d: %w", pg.ID(), err)
		}
	}
	return pg.ID(), &split{key: sep, right: right.ID()}, nil
}

func (t *Tree) writeOverflow(v []byte) (uint64, error) {
	// Back to front, so every page is complete when created.
	next := uint64(0)
	for end := len(v); end > 0; {
		start := (end - 1) / page.OverflowCapacity * page.OverflowCapacity
		pg, err := t.P.Alloc(page.TypeOverflow)
		if err != nil {
			return 0, err
		}
		pg.SetPayload(v[start:end])
		pg.SetAux(next)
		next = pg.ID()
		end = start
	}
	return next, nil
}

// Value returns the value r refers to, appended to dst.
func (t *Tree) Value(dst []byte, r Ref) ([]byte, error) {
	if r.Overflow == 0 {
		return append(dst, r.Inline...), nil
	}
	base := len(dst)
	dst = growCap(dst, int(r.Len))
	err := t.chain(r, func(_ uint64, pg *page.Page) error {
		dst = append(dst, pg.Payload()...)
		return nil
	})
	if err != nil {
		return dst[:base], err
	}
	return dst, nil
}

// chain calls fn for each page of r's overflow chain, in order, after
// checking it: an overflow page whose payload is full unless it is the last,
// with payloads adding up to exactly r.Len. The accounting also bounds the
// walk: a chain that loops is reported, never followed for ever.
func (t *Tree) chain(r Ref, fn func(id uint64, pg *page.Page) error) error {
	if r.Overflow == 0 {
		return nil
	}
	want, got := int(r.Len), 0
	for id := r.Overflow; id != 0 || got < want; {
		if id == 0 {
			return page.Corruptf(r.Overflow, "overflow chain ends after %d of %d bytes", got, want)
		}
		if got >= want {
			return page.Corruptf(r.Overflow, "overflow chain longer than its %d-byte value", want)
		}
		pg, err := t.P.Page(id)
		if err != nil {
			return err
		}
		if pg.Type() != page.TypeOverflow {
			return page.Corruptf(id, "overflow chain reaches a %v page", pg.Type())
		}
		n := len(pg.Payload())
		if n == 0 || got+n > want || (got+n < want && n != page.OverflowCapacity) {
			return page.Corruptf(id, "overflow page holds %d bytes at offset %d of a %d-byte value", n, got, want)
		}
		got += n
		next := pg.Aux()
		if err := fn(id, pg); err != nil {
			return err
		}
		id = next
	}
	return nil
}

func growCap(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

// FreeRef frees the overflow chain of r, if any.
func (t *Tree) FreeRef(r Ref) error {
	return t.chain(r, func(id uint64, _ *page.Page) error {
		t.P.Free(id)
		return nil
	})
}

// Delete removes key and frees its value, overflow chain and all.
func (t *Tree) Delete(key []byte) (oldStamp uint64, found bool, err error) {
	return t.remove(key, nil)
}

// Take removes key and hands its entry to the caller in *old, overflow
// chain included, as Swap does: the caller must store the chain elsewhere
// (PutRef) or free it (FreeRef). old must not be nil.
func (t *Tree) Take(key []byte, old *Ref) (oldStamp uint64, found bool, err error) {
	if old == nil {
		panic("btree: Take without a Ref to hand the entry to")
	}
	return t.remove(key, old)
}

// remove deletes key. keep, if not nil, receives the entry and its chain
// (Take); else the chain is freed.
func (t *Tree) remove(key []byte, keep *Ref) (oldStamp uint64, found bool, err error) {
	t.hint.valid = false
	if t.Root == 0 {
		return 0, false, nil
	}
	d := deletion{key: key, keep: keep}
	newID, _, err := t.delete(t.Root, &d, 0)
	if err != nil || !d.found {
		return 0, false, err
	}
	t.Root = newID
	// Collapse a root left with a single child, or with nothing.
	for t.Root != 0 {
		pg, err := t.P.Page(t.Root)
		if err != nil {
			return 0, false, err
		}
		if pg.Count() > 0 {
			break
		}
		t.P.Free(t.Root)
		if pg.Type() == page.TypeBranch {
			t.Root = pg.Aux()
		} else {
			t.Root = 0
		}
	}
	if keep == nil && d.ref.Overflow != 0 {
		if err := t.FreeRef(d.ref); err != nil {
			return 0, false, err
		}
	}
	return d.stamp, true, nil
}

type deletion struct {
	key   []byte
	keep  *Ref // see remove
	found bool
	stamp uint64
	ref   Ref
}

// underfull: a node this empty is merged with a sibling when they fit.
const underfull = capacity / 4

// shape is what a deletion left of a node, for its parent to act on.
type shape int

const (
	full  shape = iota // nothing to do
	under              // merge with a sibling if they fit
	empty              // no entries left below it: drop it
)

func shapeOf(pg *page.Page) shape {
	switch {
	case pg.Type() == page.TypeLeaf && pg.Count() == 0:
		return empty
	case pg.Used() < underfull:
		return under
	}
	return full
}

func (t *Tree) delete(id uint64, d *deletion, depth int) (uint64, shape, error) {
	if depth > maxDepth {
		return 0, full, page.Corruptf(id, "tree deeper than %d levels", maxDepth)
	}
	pg, err := t.P.Page(id)
	if err != nil {
		return 0, full, err
	}
	switch pg.Type() {
	case page.TypeLeaf:
		i, eq := t.searchBuild(pg, d.key, inLeaf, t.P.IsFresh(id))
		if !eq {
			return id, full, nil
		}
		if pg, err = t.P.Write(id); err != nil {
			return 0, full, err
		}
		c := pg.Cell(i)
		r, err := cellRef(pg, c)
		if err != nil {
			return 0, full, err
		}
		d.found, d.stamp = true, leafStamp(c)
		d.ref = Ref{Len: r.Len, Overflow: r.Overflow}
		if d.keep != nil {
			r.copyTo(d.keep)
		}
		ix := pg.Index()
		pg.Delete(i)
		t.indexDeleted(pg, ix, i)
		return pg.ID(), shapeOf(pg), nil
	case page.TypeBranch:
	default:
		return 0, full, page.Corruptf(id, "%v page inside a tree", pg.Type())
	}
	ci := t.childIndex(pg, d.key)
	newChild, sh, err := t.delete(child(pg, ci), d, depth+1)
	if err != nil || !d.found {
		return id, full, err
	}
	if pg, err = t.P.Write(id); err != nil {
		return 0, full, err
	}
	setChild(pg, ci, newChild)
	switch {
	case sh == empty && pg.Count() == 0:
		// A branch left with one child (its two merged, and it could not
		// merge with a full sibling) is empty once that child is.
		return pg.ID(), empty, nil
	case sh == empty:
		if err := t.dropChild(pg, ci); err != nil {
			return 0, full, err
		}
	case sh == under:
		if err := t.rebalance(pg, ci); err != nil {
			return 0, full, err
		}
	}
	if pg.Used() < underfull {
		return pg.ID(), under, nil
	}
	return pg.ID(), full, nil
}

// dropChild removes child ci of pg, an empty subtree: branches with a single
// child down to an empty leaf. pg must have another child.
func (t *Tree) dropChild(pg *page.Page, ci int) error {
	for id, n := child(pg, ci), 0; id != 0; n++ {
		if n > maxDepth {
			return page.Corruptf(id, "tree deeper than %d levels", maxDepth)
		}
		c, err := t.P.Page(id)
		if err != nil {
			return err
		}
		if c.Count() != 0 {
			return page.Corruptf(id, "dropping a %v page of %d cells as empty", c.Type(), c.Count())
		}
		next := uint64(0)
		if c.Type() == page.TypeBranch {
			next = c.Aux()
		}
		t.P.Free(id)
		id = next
	}
	ix := pg.Index()
	if ci == 0 {
		pg.SetAux(child(pg, 1))
		pg.Delete(0)
		t.indexDeleted(pg, ix, 0)
	} else {
		pg.Delete(ci - 1)
		t.indexDeleted(pg, ix, ci-1)
	}
	return nil
}

// rebalance merges child ci of pg with a sibling when both fit in one page.
func (t *Tree) rebalance(pg *page.Page, ci int) error {
	if pg.Count() == 0 {
		return nil
	}
	li := ci - 1
	if ci == 0 {
		li = 0
	}
	lid, rid := child(pg, li), child(pg, li+1)
	l, err := t.P.Page(lid)
	if err != nil {
		return err
	}
	r, err := t.P.Page(rid)
	if err != nil {
		return err
	}
	if l.Type() != r.Type() || (l.Type() != page.TypeLeaf && l.Type() != page.TypeBranch) {
		return page.Corruptf(pg.ID(), "children %d and %d differ in type", lid, rid)
	}
	sep := pg.Cell(li)
	need := l.Used() + r.Used()
	if l.Type() == page.TypeBranch {
		need += len(sep) + page.SlotSize
	}
	if need > capacity {
		return nil
	}
	if l, err = t.P.Write(lid); err != nil {
		return err
	}
	if l.Type() == page.TypeBranch {
		b, err := l.Alloc(l.Count(), len(sep))
		if err != nil {
			return err
		}
		putBranchCell(b, branchKey(sep), r.Aux())
	}
	for j := 0; j < r.Count(); j++ {
		c := r.Cell(j)
		b, err := l.Alloc(l.Count(), len(c))
		if err != nil {
			return err
		}
		copy(b, c)
	}
	t.P.Free(rid)
	ix := pg.Index()
	pg.Delete(li)
	t.indexDeleted(pg, ix, li)
	setChild(pg, li, l.ID())
	return nil
}
