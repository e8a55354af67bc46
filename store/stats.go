package store

import (
	"context"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/cache"
	"github.com/projstore/projstore/page"
)

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
	FileBytes        int64 // the pages counted
	DiskBytes        int64 // the file: counted pages, the reserve, an end not yet given back
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
	return s.StatsContext(context.Background())
}

// StatsContext is Stats that stops with ctx's error when ctx is done.
func (s *Store) StatsContext(ctx context.Context) (Stats, error) {
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
		FileBytes: int64(s.pg.PageCount()) * page.Size, DiskBytes: s.pg.FileSize(),
	}
	st.Pages.Superblock = 2
	count := func(_ uint64, pg *page.Page, _ int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
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
		for _, tr := range []*btree.Tree{&t.cur, &t.hist, &t.counts} {
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
	// After the walk, which warms the cache and reads pages: the figures
	// count it.
	st.Cache = s.pg.Cache().Stats()
	st.Reads, st.Writes, st.Syncs = s.pg.Counters()
	return st, err
}
