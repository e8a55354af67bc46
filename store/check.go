package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
)

// Check verifies every reachable page (checksum, id, layout) and every
// invariant: tree order and balance, overflow chains, MVCC stamps, table
// counts, and that every page of the file is used exactly once — by a tree,
// the free list, or the pages waiting for the next commit. It holds the
// writer lock, and the read lock for its whole walk.
func (s *Store) Check() error {
	return s.CheckContext(context.Background())
}

// CheckContext is Check that stops with ctx's error when ctx is done.
func (s *Store) CheckContext(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(); err != nil {
		return err
	}
	count := s.pg.PageCount()
	owner := make(map[uint64]string) // not sized by count: a forged superblock may claim billions
	mark := func(what string) btree.Visit {
		return func(id uint64, _ *page.Page, _ int) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return claim(owner, count, id, what)
		}
	}
	if _, _, err := s.catalog.Check(); err != nil {
		return err
	}
	if err := s.catalog.Walk(mark("catalog")); err != nil {
		return err
	}
	err := s.eachTable(func(t *table) error {
		name := fmt.Sprintf("table %d (dropped at %d)", t.id, t.dropped)
		if t.dropped == batch.MaxOffset {
			name = fmt.Sprintf("table %d", t.id)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.checkTable(t, name); err != nil {
			return err
		}
		if err := t.cur.Walk(mark(name + " current")); err != nil {
			return err
		}
		if err := t.counts.Walk(mark(name + " row counts")); err != nil {
			return err
		}
		return t.hist.Walk(mark(name + " history"))
	})
	if err != nil {
		return err
	}
	next := s.pg.Next()
	if err := s.pg.FreeList(next, func(id, _ uint64) error { return claim(owner, count, id, "free list") }); err != nil {
		return err
	}
	for _, id := range s.pg.Freed() {
		if err := claim(owner, count, id, "freed in this epoch"); err != nil {
			return err
		}
	}
	if err := claim(owner, count, next.FreeTail, "reserved free-list tail"); err != nil {
		return err
	}
	if uint64(len(owner)) != count-2 {
		var lost []uint64
		for id := uint64(2); id < count && len(lost) < 10; id++ {
			if _, ok := owner[id]; !ok {
				lost = append(lost, id)
			}
		}
		return page.Corruptf(lost[0], "%d of %d pages are neither in use nor free (first: %v)", count-2-uint64(len(owner)), count-2, lost)
	}
	return nil
}

func claim(owner map[uint64]string, count, id uint64, what string) error {
	if id < 2 || id >= count {
		return page.Corruptf(id, "%s refers to a page outside the file of %d pages", what, count)
	}
	if prev, ok := owner[id]; ok {
		return page.Corruptf(id, "page used twice: by %s and by %s", prev, what)
	}
	owner[id] = what
	return nil
}

// eachTable calls fn for every incarnation in the catalog, live ones as the
// shared *table the readers use.
func (s *Store) eachTable(fn func(t *table) error) error {
	var ts []*table
	c := s.catalog.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return err
		}
		t, err := s.decodeTable(c.Key(), r.Inline)
		if err != nil {
			return err
		}
		if t.dropped == batch.MaxOffset {
			if live, err := s.liveTable(t.id); err != nil {
				return err
			} else if live != nil {
				t = live
			}
		}
		ts = append(ts, t)
	}
	if err := c.Err(); err != nil {
		return err
	}
	for _, t := range ts {
		if err := fn(t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) checkTable(t *table, name string) error {
	_, rows, err := t.cur.Check()
	if err != nil {
		return err
	}
	_, versions, err := t.hist.Check()
	if err != nil {
		return err
	}
	if uint64(rows) != t.rows || uint64(versions) != t.versions {
		return page.Corruptf(s.catalog.Root, "%s: catalog counts %d rows and %d versions, trees hold %d and %d", name, t.rows, t.versions, rows, versions)
	}
	end := uint64(s.applied)
	if t.dropped != batch.MaxOffset {
		end = uint64(t.dropped) - 1
	}
	var size uint64
	c := t.cur.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		if st := c.Stamp(); st > end || st == 0 {
			return page.Corruptf(t.cur.Root, "%s: row %q created at %d, outside 1..%d", name, c.Key(), st, end)
		}
		r, err := c.Ref()
		if err != nil {
			return err
		}
		size += uint64(len(c.Key())) + uint64(r.Len)
	}
	if err := c.Err(); err != nil {
		return err
	}
	if size != t.size {
		return page.Corruptf(s.catalog.Root, "%s: catalog counts %d bytes, the rows hold %d", name, t.size, size)
	}
	if err := s.checkCounts(t, name, end); err != nil {
		return err
	}
	h := t.hist.Cursor()
	var prevKey []byte
	var prevCreated uint64
	for ok := h.First(); ok; ok = h.Next() {
		k := h.Key()
		uk, c, ok := splitHistKey(k)
		if !ok {
			return page.Corruptf(t.hist.Root, "%s: history key of %d bytes", name, len(k))
		}
		created, deleted := uint64(c), h.Stamp()
		// A version deleted at or below the horizon is one a stopped Prune
		// left: no read sees it, so it is garbage for the next Prune, not
		// damage.
		if created == 0 || created >= deleted || deleted > end+1 {
			return page.Corruptf(t.hist.Root, "%s: version of %q lives [%d, %d) (applied %d, horizon %d)", name, uk, created, deleted, s.applied, s.horizon)
		}
		if bytes.Equal(uk, prevKey) && deleted > prevCreated {
			return page.Corruptf(t.hist.Root, "%s: versions of %q overlap", name, uk)
		}
		prevKey = append(prevKey[:0], uk...)
		prevCreated = created
	}
	return h.Err()
}

// checkCounts verifies a table's row-count history: positions increase
// within the incarnation's life, and the newest entry is the catalog's.
func (s *Store) checkCounts(t *table, name string, end uint64) error {
	c := t.counts.Cursor()
	var prev batch.Offset
	var rows, size uint64
	n := 0
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return err
		}
		pos, rw, sz, err := decodeCounts(c.Key(), r.Inline, t.counts.Root)
		if err != nil {
			return err
		}
		if pos < t.start || uint64(pos) > end || (n > 0 && pos <= prev) {
			return page.Corruptf(t.counts.Root, "%s: row counts at position %d (after %d), outside %d..%d", name, pos, prev, t.start, end)
		}
		prev, rows, size = pos, rw, sz
		n++
	}
	if err := c.Err(); err != nil {
		return err
	}
	if n == 0 || rows != t.rows || size != t.size {
		return page.Corruptf(t.counts.Root, "%s: newest row counts %d rows, %d bytes (%d entries); the catalog has %d, %d", name, rows, size, n, t.rows, t.size)
	}
	return nil
}
