package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/cache"
	"github.com/projstore/projstore/page"
)

// Check verifies every reachable page (checksum, id, layout) and every
// invariant: tree order and balance, overflow chains, MVCC stamps, table
// counts, and that every page of the file is used exactly once — by a tree,
// the free list, or the pages waiting for the next commit. It holds the
// writer lock, and the read lock for its whole walk.
func (s *Store) Check() error {
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
		return func(id uint64, _ *page.Page, _ int) error { return claim(owner, count, id, what) }
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
		if err := s.checkTable(t, name); err != nil {
			return err
		}
		if err := t.cur.Walk(mark(name + " current")); err != nil {
			return err
		}
		return t.hist.Walk(mark(name + " history"))
	})
	if err != nil {
		return err
	}
	sb := s.pg.Durable()
	next := s.pg.Next()
	if err := s.pg.FreeList(next, func(id, _ uint64) error { return claim(owner, count, id, "free list") }); err != nil {
		return err
	}
	_ = sb
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
	c := t.cur.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		if st := c.Stamp(); st > end || st == 0 {
			return page.Corruptf(t.cur.Root, "%s: row %q created at %d, outside 1..%d", name, c.Key(), st, end)
		}
	}
	if err := c.Err(); err != nil {
		return err
	}
	h := t.hist.Cursor()
	var prevKey []byte
	var prevCreated uint64
	for ok := h.First(); ok; ok = h.Next() {
		k := h.Key()
		if len(k) <= btree.SuffixSize {
			return page.Corruptf(t.hist.Root, "%s: history key of %d bytes", name, len(k))
		}
		uk, created, deleted := k[:len(k)-8], ^binary.BigEndian.Uint64(k[len(k)-8:]), h.Stamp()
		if created == 0 || created >= deleted || deleted > end+1 || uint64(s.horizon) >= deleted {
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

// PageCounts counts pages by kind.
type PageCounts struct {
	Superblock, Branch, Leaf, Overflow, FreeList, Free uint64
}

// Stats describes a store. Computing it walks every tree.
type Stats struct {
	Applied, Horizon batch.Offset
	Digest           uint64
	Generation       uint64 // of the last durable commit
	PageCount        uint64
	FileBytes        int64
	Pages            PageCounts
	Tables           int // live tables
	DroppedTables    int // dropped, not yet pruned
	Rows             uint64
	Versions         uint64 // closed versions kept in history
	LogicalBytes     uint64 // keys and values of live rows
	CatalogHeight    int
	MaxHeight        int // tallest table tree
	Cache            cache.Stats
	Reads, Writes    uint64 // page reads and writes of the file
	Syncs            uint64
}

// Stats walks the store and reports its shape.
func (s *Store) Stats() (Stats, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(); err != nil {
		return Stats{}, err
	}
	st := Stats{
		Applied: s.applied, Horizon: s.horizon, Digest: s.digest,
		Generation: s.pg.Durable().Generation, PageCount: s.pg.PageCount(),
		FileBytes: int64(s.pg.PageCount()) * page.Size,
	}
	st.Reads, st.Writes, st.Syncs = s.pg.Counters()
	st.Pages.Superblock = 2
	count := func(_ uint64, pg *page.Page, _ int) error {
		switch pg.Type() {
		case page.TypeBranch:
			st.Pages.Branch++
		case page.TypeLeaf:
			st.Pages.Leaf++
		case page.TypeOverflow:
			st.Pages.Overflow++
		}
		return nil
	}
	var err error
	if st.CatalogHeight, err = s.catalog.Height(); err != nil {
		return st, err
	}
	if err := s.catalog.Walk(count); err != nil {
		return st, err
	}
	err = s.eachTable(func(t *table) error {
		if t.dropped == batch.MaxOffset {
			st.Tables++
			st.Rows += t.rows
		} else {
			st.DroppedTables++
		}
		st.Versions += t.versions
		for _, tr := range []*btree.Tree{&t.cur, &t.hist} {
			h, err := tr.Height()
			if err != nil {
				return err
			}
			st.MaxHeight = max(st.MaxHeight, h)
			if err := tr.Walk(count); err != nil {
				return err
			}
		}
		if t.dropped != batch.MaxOffset {
			return nil
		}
		c := t.cur.Cursor()
		for ok := c.First(); ok; ok = c.Next() {
			r, err := c.Ref()
			if err != nil {
				return err
			}
			st.LogicalBytes += uint64(len(c.Key())) + uint64(r.Len)
		}
		return c.Err()
	})
	if err != nil {
		return st, err
	}
	next := s.pg.Next()
	err = s.pg.FreeList(next, func(_, gen uint64) error {
		if gen == 0 {
			st.Pages.FreeList++
		} else {
			st.Pages.Free++
		}
		return nil
	})
	st.Pages.Free += uint64(len(s.pg.Freed()))
	st.Cache = s.pg.Cache().Stats() // after the walk, which warms it
	return st, err
}

// Prune drops history no read at or above horizon can see: versions
// deleted at or before it, and tables dropped at or before it, freeing their
// pages for reuse after the next commits. Reads below horizon then return
// ErrPruned. A horizon at or below the current one changes nothing.
func (s *Store) Prune(horizon batch.Offset) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	s.mu.Lock()
	if horizon > s.applied {
		s.mu.Unlock()
		return fmt.Errorf("%w: prune horizon %d > %d", ErrPositionAhead, horizon, s.applied)
	}
	if horizon <= s.horizon {
		s.mu.Unlock()
		return nil
	}
	// Readers below the new horizon are refused from here on, before any
	// version they could see is gone.
	s.horizon = horizon
	s.setMeta()
	s.epoch.Add(1)
	s.mu.Unlock()

	var ts []*table
	if err := s.eachTable(func(t *table) error { ts = append(ts, t); return nil }); err != nil {
		return s.fail(err)
	}
	for _, t := range ts {
		if err := s.pruneTable(t, horizon); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// pruneChunk bounds how many history entries one lock hold visits, so that
// readers wait for at most one chunk.
const pruneChunk = 1024

func (s *Store) pruneTable(t *table, horizon batch.Offset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.epoch.Add(1)
	if t.dropped != batch.MaxOffset && t.dropped <= horizon {
		if err := t.cur.Free(); err != nil {
			return err
		}
		if err := t.hist.Free(); err != nil {
			return err
		}
		_, _, err := s.catalog.Delete(catalogKey(t.id, t.dropped), nil)
		if err == nil {
			s.setMeta()
		}
		return err
	}
	var next []byte
	var doomed [][]byte
	c := t.hist.Cursor()
	for ok := c.First(); ok; {
		doomed = doomed[:0]
		for n := 0; ok && n < pruneChunk; n++ {
			if batch.Offset(c.Stamp()) <= horizon {
				doomed = append(doomed, slices.Clone(c.Key()))
			}
			ok = c.Next()
		}
		if ok {
			next = slices.Clone(c.Key())
		}
		if err := c.Err(); err != nil {
			return err
		}
		for _, k := range doomed {
			if _, _, err := t.hist.Delete(k, nil); err != nil {
				return err
			}
			t.versions--
		}
		if len(doomed) > 0 {
			if err := s.saveTable(t); err != nil {
				return err
			}
			s.setMeta()
		}
		if !ok {
			break
		}
		// Let readers in between chunks, then pick up where we stopped.
		s.epoch.Add(1)
		s.mu.Unlock()
		if s.pg.NeedSpill() {
			if err := s.pg.Spill(); err != nil {
				s.mu.Lock()
				return err
			}
		}
		s.mu.Lock()
		c.Reset(&t.hist)
		ok = c.SeekGE(next)
	}
	return nil
}
