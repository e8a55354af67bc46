package btree

import (
	"bytes"
	"fmt"

	"github.com/projstore/projstore/page"
)

// Visit is called by Walk for every page of a tree: branch and leaf pages
// with their depth (the root is 0), and overflow pages with depth -1.
type Visit func(id uint64, pg *page.Page, depth int) error

// Walk visits every page of the tree, overflow chains included, depth first.
func (t *Tree) Walk(fn Visit) error {
	if t.Root == 0 {
		return nil
	}
	return t.walk(t.Root, 0, fn)
}

func (t *Tree) walk(id uint64, depth int, fn Visit) error {
	if depth > maxDepth {
		return page.Corruptf(id, "tree deeper than %d levels", maxDepth)
	}
	pg, err := t.P.Page(id)
	if err != nil {
		return err
	}
	if err := fn(id, pg, depth); err != nil {
		return err
	}
	switch pg.Type() {
	case page.TypeBranch:
		for i := 0; i <= pg.Count(); i++ {
			if err := t.walk(child(pg, i), depth+1, fn); err != nil {
				return err
			}
		}
	case page.TypeLeaf:
		for i := 0; i < pg.Count(); i++ {
			r, err := cellRef(pg, pg.Cell(i))
			if err != nil {
				return err
			}
			if err := t.chain(r, func(oid uint64, op *page.Page) error { return fn(oid, op, -1) }); err != nil {
				return err
			}
		}
	default:
		return page.Corruptf(id, "%v page inside a tree", pg.Type())
	}
	return nil
}

// Check verifies the tree's invariants: keys strictly ordered within every
// node and within the bounds its parent's separators give, every leaf at the
// same depth, no empty leaf below the root, cells well formed, and every
// overflow chain exactly as long as its value. It returns the height (0 for
// an empty tree) and the number of entries.
func (t *Tree) Check() (height int, entries int, err error) {
	if t.Root == 0 {
		return 0, 0, nil
	}
	leafDepth := -1
	var check func(id uint64, lo, hi []byte, depth int) error
	check = func(id uint64, lo, hi []byte, depth int) error {
		if depth > maxDepth {
			return page.Corruptf(id, "tree deeper than %d levels", maxDepth)
		}
		pg, err := t.P.Page(id)
		if err != nil {
			return err
		}
		if typ := pg.Type(); typ != page.TypeBranch && typ != page.TypeLeaf {
			return page.Corruptf(id, "%v page inside a tree", typ)
		}
		if err := ValidatePage(pg); err != nil {
			return err
		}
		if err := t.checkIndex(pg); err != nil {
			return err
		}
		n := pg.Count()
		var prev []byte
		// ValidatePage has checked every cell: keys can be read in place.
		keyAt := func(i int) []byte { return cellKey(pg.Cell(i), pg.Type() == page.TypeLeaf) }
		for i := 0; i < n; i++ {
			k := keyAt(i)
			if prev != nil && t.Compare(prev, k) >= 0 {
				return page.Corruptf(id, "keys out of order at cell %d", i)
			}
			if lo != nil && t.Compare(k, lo) < 0 {
				return page.Corruptf(id, "cell %d sorts below its parent's separator", i)
			}
			if hi != nil && t.Compare(k, hi) >= 0 {
				return page.Corruptf(id, "cell %d sorts at or above its parent's separator", i)
			}
			prev = k
		}
		switch pg.Type() {
		case page.TypeLeaf:
			if leafDepth == -1 {
				leafDepth = depth
			} else if leafDepth != depth {
				return page.Corruptf(id, "leaf at depth %d, others at %d", depth, leafDepth)
			}
			if n == 0 && depth > 0 {
				return page.Corruptf(id, "empty leaf below the root")
			}
			for i := 0; i < n; i++ {
				r, err := cellRef(pg, pg.Cell(i))
				if err != nil {
					return err
				}
				// Walking the chain checks it without reading the value.
				if err := t.chain(r, func(uint64, *page.Page) error { return nil }); err != nil {
					return err
				}
			}
			entries += n
		case page.TypeBranch:
			for i := 0; i <= n; i++ {
				clo, chi := lo, hi
				if i > 0 {
					clo = keyAt(i - 1)
				}
				if i < n {
					chi = keyAt(i)
				}
				if err := check(child(pg, i), clo, chi, depth+1); err != nil {
					return err
				}
			}
		default:
			return page.Corruptf(id, "%v page inside a tree", pg.Type())
		}
		return nil
	}
	if err := check(t.Root, nil, nil, 0); err != nil {
		return 0, 0, err
	}
	return leafDepth + 1, entries, nil
}

// Height returns the number of levels (0 for an empty tree).
func (t *Tree) Height() (int, error) {
	h := 0
	for id := t.Root; id != 0; h++ {
		if h > maxDepth {
			return 0, page.Corruptf(id, "tree deeper than %d levels", maxDepth)
		}
		pg, err := t.P.Page(id)
		if err != nil {
			return 0, err
		}
		if pg.Type() != page.TypeBranch {
			return h + 1, nil
		}
		id = pg.Aux()
	}
	return h, nil
}

// Free gives every page of the tree back, overflow chains included.
func (t *Tree) Free() error {
	t.hint.valid = false
	var ids []uint64
	if err := t.Walk(func(id uint64, _ *page.Page, _ int) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		t.P.Free(id)
	}
	t.Root = 0
	return nil
}

// ValidatePage checks the cells of a branch or leaf page loaded from the
// file: every cell long enough for its header, key lengths inside the cell
// and within MaxKey, values exactly as long as they claim (or an 8-byte
// overflow reference). The page layer has already checked the CRC, the id
// and that slots stay inside the page; this is what lets the rest of the
// package index cells without bounds worries. Other page types pass.
func ValidatePage(pg *page.Page) error {
	leaf := pg.Type() == page.TypeLeaf
	if !leaf && pg.Type() != page.TypeBranch {
		return nil
	}
	for i := 0; i < pg.Count(); i++ {
		var err error
		if leaf {
			_, err = DecodeLeaf(pg.Cell(i))
		} else {
			_, err = DecodeBranch(pg.Cell(i))
		}
		if err != nil {
			return page.Corruptf(pg.ID(), "cell %d: %v", i, err)
		}
	}
	return nil
}

// checkIndex verifies the in-memory search index attached to pg, if any:
// one head per cell, every key with the prefix, every head as buildIndex
// would take it. The writer keeps indexes up to date as it changes pages,
// and a stale one would route searches to the wrong slot.
func (t *Tree) checkIndex(pg *page.Page) error {
	ix := pg.Index()
	if ix == nil {
		return nil
	}
	leaf := pg.Type() == page.TypeLeaf
	if len(ix.Heads) != pg.Count() {
		return fmt.Errorf("btree: page %d has %d cells and an index of %d heads", pg.ID(), pg.Count(), len(ix.Heads))
	}
	var prefix []byte
	for i := range pg.Count() {
		uk := t.userKey(cellKey(pg.Cell(i), leaf))
		if len(uk) < ix.Prefix {
			return fmt.Errorf("btree: page %d cell %d is shorter than the index prefix of %d bytes", pg.ID(), i, ix.Prefix)
		}
		if i == 0 {
			prefix = uk[:ix.Prefix]
			if ix.Prefix <= len(ix.Short) && !bytes.Equal(prefix, ix.Short[:ix.Prefix]) {
				return fmt.Errorf("btree: page %d index prefix %x, cell 0 begins %x", pg.ID(), ix.Short[:ix.Prefix], prefix)
			}
		} else if !bytes.Equal(uk[:ix.Prefix], prefix) {
			return fmt.Errorf("btree: page %d cell %d lacks the index prefix", pg.ID(), i)
		}
		if h := head(uk, ix.Prefix); h != ix.Heads[i] {
			return fmt.Errorf("btree: page %d cell %d has head %x, the index says %x", pg.ID(), i, h, ix.Heads[i])
		}
	}
	return nil
}
