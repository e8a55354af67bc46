package btree

import (
	"fmt"

	"github.com/projstore/projstore/page"
)

// hint remembers the leaf the writer's last insert landed in and the key
// range its ancestors route to it. A batch applies its keys in order, so the
// next key usually belongs to the same leaf: while the leaf is still
// writable in place (allocated in this epoch), the key falls inside the
// range, and the entry fits without a split, the insert skips the descent
// from the root. Anything that can move a leaf's range — a split, a delete
// (merges), freeing the tree, a commit (the epoch changes), a new root —
// makes the hint unusable.
type hint struct {
	valid        bool
	leaf, root   uint64
	epoch        uint64
	lo, hi       []byte
	hasLo, hasHi bool
}

func (t *Tree) setHint(ins *insertion) {
	h := &t.hint
	h.valid = true
	h.leaf, h.root, h.epoch = ins.leaf, t.Root, t.P.Epoch()
	h.lo = append(h.lo[:0], ins.lo...)
	h.hi = append(h.hi[:0], ins.hi...)
	h.hasLo, h.hasHi = ins.hasLo, ins.hasHi
}

// insertHinted inserts through the hint, reporting false when it cannot
// (nothing has changed then).
func (t *Tree) insertHinted(ins *insertion) (bool, error) {
	h := &t.hint
	if !h.valid || h.root != t.Root || h.epoch != t.P.Epoch() || !t.P.IsFresh(h.leaf) ||
		(h.hasLo && t.Compare(ins.key, h.lo) < 0) || (h.hasHi && t.Compare(ins.key, h.hi) >= 0) {
		return false, nil
	}
	pg, err := t.P.Write(h.leaf)
	if err != nil {
		return false, err
	}
	i, eq := t.search(pg, ins.key, inLeaf)
	size := leafCellSize(len(ins.key), &ins.ref)
	room := pg.FreeSpace() - 4
	if eq {
		room += pg.CellLen(i) + 4
	}
	if size > room || pg.Type() != page.TypeLeaf {
		return false, nil
	}
	_, sp, err := t.insertLeafAt(pg, ins, i, eq)
	if err == nil && sp != nil {
		// The room was checked, so this is a bug; the store stops on it.
		err = fmt.Errorf("btree: hinted insert split leaf %d", h.leaf)
	}
	return true, err
}
